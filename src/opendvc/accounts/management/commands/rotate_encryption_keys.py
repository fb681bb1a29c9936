"""Re-encrypt everything stored with FIELD_ENCRYPTION_KEYS with the newest key: CCCD and phone numbers
(profiles, accounts), identifiers in dossier form data and in unfinished e-form drafts, and every
other encrypted column (``ENCRYPTED_COLUMNS``: the phone for a postal return, the lookup keys, the
phones of feedback senders, the passphrases of the signing certificates, the personal data in the
outbox's messages).

Rotation: put the new key first in FIELD_ENCRYPTION_KEYS (keep the old ones after it), run this
command, then remove the old keys. A column left out here would be unreadable once the old key is
gone: the suite checks that every ``*_ciphertext`` column of the project is listed.
"""

from django.apps import apps
from django.core.management.base import BaseCommand

from opendvc.accounts import crypto
from opendvc.accounts.services import rotate_encryption_keys
from opendvc.dossiers.personal_data import form_data_reseal_all
from opendvc.eforms.models import FormDraft
from opendvc.eforms.sealing import reseal_rows

# (model, column, kind): "text" holds one token, "json" tokens under keys ending in "_ciphertext".
# accounts.User.phone_ciphertext and accounts.PersonProfile.cccd_ciphertext are rotated by
# ``accounts.services.rotate_encryption_keys``.
ENCRYPTED_COLUMNS = [
    ("dossiers.Dossier", "return_phone_ciphertext", "text"),
    ("dossiers.Dossier", "lookup_key_ciphertext", "text"),
    ("feedback.Feedback", "sender_phone_ciphertext", "text"),
    ("signing.SigningCertificate", "passphrase_ciphertext", "text"),
    ("integrations.Message", "payload", "json"),
]


class Command(BaseCommand):
    help = "Mã hóa lại số CCCD và số điện thoại bằng khóa mới nhất trong FIELD_ENCRYPTION_KEYS."

    def handle(self, *args, **options):
        counts = rotate_encryption_keys()
        if options["verbosity"]:
            self.stdout.write(
                f"Đã mã hóa lại {counts['phones']} số điện thoại và {counts['cccds']} số CCCD."
            )
        if apps.is_installed("opendvc.dossiers"):
            dossiers = form_data_reseal_all()
            if options["verbosity"]:
                self.stdout.write(f"Đã mã hóa lại số định danh trong tờ khai của {dossiers} hồ sơ.")
        if apps.is_installed("opendvc.eforms"):
            drafts = reseal_rows(FormDraft.objects.all(), "data")
            if options["verbosity"]:
                self.stdout.write(f"Đã mã hóa lại số định danh trong {drafts} bản nháp tờ khai.")
        for label, field, kind in ENCRYPTED_COLUMNS:
            try:
                model = apps.get_model(label)
            except LookupError:  # the app is not installed here
                continue
            rotate = crypto.rotate_column if kind == "text" else crypto.rotate_json_column
            rows = rotate(model.objects.all(), field)
            if options["verbosity"]:
                self.stdout.write(f"Đã mã hóa lại {label}.{field}: {rows} dòng.")
