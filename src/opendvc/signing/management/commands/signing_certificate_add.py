"""Configure an agency's signing certificate (PKCS#12), as an operator does.

``manage.py signing_certificate_add --agency 000.00.32.H19 --pkcs12 /etc/opendvc/keys/stp.p12
--name "Nguyễn Văn An" --title "Phó Giám đốc"`` (passphrase from ``--passphrase`` or the
``SIGNING_PKCS12_PASSPHRASE`` environment variable). The certificate is checked (validity, chain to a
pinned root, revocation) before it is saved. For the demo: the trust-services simulator writes
``var/testca/signer.p12`` (passphrase ``opendvc-test``).
"""

from __future__ import annotations

import os

from django.core.management.base import BaseCommand, CommandError

from opendvc.core.problems import ProblemError


class Command(BaseCommand):
    help = "Add an agency's signing certificate (PKCS#12) with the signer's name and title."

    def add_arguments(self, parser):
        parser.add_argument("--agency", required=True)
        parser.add_argument("--pkcs12", required=True)
        parser.add_argument("--name", required=True)
        parser.add_argument("--title", required=True)
        parser.add_argument("--passphrase", default=None)
        parser.add_argument(
            "--no-check", action="store_true", help="skip the validity/revocation check"
        )

    def handle(self, *args, **opts):
        from opendvc.agencies.models import Agency
        from opendvc.signing import services
        from opendvc.signing.models import SigningCertificate

        agency = Agency.objects.filter(code=opts["agency"]).first()
        if agency is None:
            raise CommandError(f"unknown agency {opts['agency']}")
        passphrase = (
            opts["passphrase"]
            if opts["passphrase"] is not None
            else os.environ.get("SIGNING_PKCS12_PASSPHRASE", "")
        )
        try:
            cred = services.credential_load(
                path=opts["pkcs12"], passphrase=passphrase, name=opts["name"], title=opts["title"]
            )
            if not opts["no_check"]:
                services.credential_check(cred)
        except ProblemError as exc:
            raise CommandError(str(exc)) from exc
        row = SigningCertificate(
            agency=agency,
            signer_name=opts["name"],
            signer_title=opts["title"],
            pkcs12_path=opts["pkcs12"],
        )
        row.passphrase = passphrase
        row.save()
        self.stdout.write(f"{agency.code}: {opts['name']} ({cred.serial})")
