"""Re-encrypt everything stored with FIELD_ENCRYPTION_KEYS with the newest key: CCCD and phone numbers
(profiles, accounts), identifiers in dossier form data and in unfinished e-form drafts, and every
other encrypted column (``ENCRYPTED_COLUMNS``: the phone for a postal return, the lookup keys, the
phones of feedback senders, the passphrases of the signing certificates, the personal data in the
outbox's messages, the bodies peers sent: the log of peers' requests and the payment gateways'
messages).

Rotation: put the new key first in FIELD_ENCRYPTION_KEYS (keep the old ones after it), run this
command, then remove the old keys. A column left out here would be unreadable once the old key is
gone: the suite checks that every ``*_ciphertext`` column of the project is listed.
"""

from django.apps import apps
from django.core.management.base import BaseCommand

from opendvc.accounts import crypto
from opendvc.accounts.models import PersonProfile, User
from opendvc.accounts.services import rotate_encryption_keys
from opendvc.core.fields import encrypted_column_seal
from opendvc.core.progress import add_progress_argument, progress_bar
from opendvc.dossiers.personal_data import form_data_reseal_all
from opendvc.eforms.models import FormDraft
from opendvc.eforms.sealing import reseal_rows

# (model, column, kind): "text" holds one token, "json" tokens under keys ending in "_ciphertext",
# "field" is an ``EncryptedTextField`` (a token, or plain text the rotation encrypts).
# accounts.User.phone_ciphertext and accounts.PersonProfile.cccd_ciphertext are rotated by
# ``accounts.services.rotate_encryption_keys``.
ENCRYPTED_COLUMNS = [
    ("dossiers.Dossier", "return_phone_ciphertext", "text"),
    ("dossiers.Dossier", "lookup_key_ciphertext", "text"),
    ("feedback.Feedback", "sender_phone_ciphertext", "text"),
    ("signing.SigningCertificate", "passphrase_ciphertext", "text"),
    ("integrations.Message", "payload", "json"),
    ("integrations.InboundMessage", "body", "field"),
    ("payments.GatewayMessage", "raw", "field"),
]


def _holding(model, field: str) -> int:
    """How many rows of ``model`` the rotation of text column ``field`` reads."""
    return crypto.holding_tokens(model.objects.all(), field).count()


class Command(BaseCommand):
    help = (
        "Mã hóa lại mọi dữ liệu mã hóa (số CCCD, số điện thoại, số định danh trong tờ khai, khóa tra "
        "cứu, mật khẩu chứng thư số, dữ liệu cá nhân trong hàng đợi gửi đi, nội dung các bên liên thông "
        "và cổng thanh toán gửi đến) bằng khóa mới nhất trong "
        "FIELD_ENCRYPTION_KEYS."
    )

    def add_arguments(self, parser):
        add_progress_argument(parser)

    def _bar(self, options, desc: str, total: int):
        """A progress bar on stderr (the counts go to stdout)."""
        return progress_bar(options=options, total=total, desc=desc, unit=" dòng")

    def _say(self, options, text: str) -> None:
        if options["verbosity"]:
            self.stdout.write(text)

    def handle(self, *args, **options):
        total = _holding(User, "phone_ciphertext") + _holding(PersonProfile, "cccd_ciphertext")
        with self._bar(options, "Số điện thoại, số CCCD", total) as bar:
            counts = rotate_encryption_keys(progress=bar.update)
        self._say(
            options, f"Đã mã hóa lại {counts['phones']} số điện thoại và {counts['cccds']} số CCCD."
        )
        if apps.is_installed("opendvc.dossiers"):
            model = apps.get_model("dossiers.Dossier")
            total = model.objects.exclude(form_data={}).count()
            with self._bar(options, "Tờ khai của hồ sơ", total) as bar:
                dossiers = form_data_reseal_all(progress=bar.update)
            self._say(options, f"Đã mã hóa lại số định danh trong tờ khai của {dossiers} hồ sơ.")
        if apps.is_installed("opendvc.eforms"):
            total = FormDraft.objects.exclude(data={}).count()
            with self._bar(options, "Bản nháp tờ khai", total) as bar:
                drafts = reseal_rows(FormDraft.objects.all(), "data", progress=bar.update)
            self._say(options, f"Đã mã hóa lại số định danh trong {drafts} bản nháp tờ khai.")
        for label, field, kind in ENCRYPTED_COLUMNS:
            try:
                model = apps.get_model(label)
            except LookupError:  # the app is not installed here
                continue
            rotate = {
                "text": crypto.rotate_column,
                "json": crypto.rotate_json_column,
                "field": encrypted_column_seal,
            }[kind]
            total = model.objects.count() if kind == "json" else _holding(model, field)
            with self._bar(options, f"{label}.{field}", total) as bar:
                rows = rotate(model.objects.all(), field, progress=bar.update)
            self._say(options, f"Đã mã hóa lại {label}.{field}: {rows} dòng.")
