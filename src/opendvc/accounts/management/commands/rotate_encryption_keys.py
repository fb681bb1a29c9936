"""Re-encrypt every stored CCCD and phone number (profiles, accounts, identifiers in dossier form
data and in unfinished e-form drafts) with the newest key of FIELD_ENCRYPTION_KEYS.

Rotation: put the new key first in FIELD_ENCRYPTION_KEYS (keep the old ones after it), run this
command, then remove the old keys.
"""

from django.apps import apps
from django.core.management.base import BaseCommand

from opendvc.accounts.services import rotate_encryption_keys
from opendvc.dossiers.personal_data import form_data_reseal_all
from opendvc.eforms.models import FormDraft
from opendvc.eforms.sealing import reseal_rows


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
