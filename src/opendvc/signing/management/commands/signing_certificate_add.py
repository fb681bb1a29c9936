"""Configure an agency's signing certificate (PKCS#12), as an operator does.

``manage.py signing_certificate_add --agency 000.00.32.H19 --pkcs12 /etc/opendvc/keys/stp.p12
--title "Phó Giám đốc"`` (passphrase from ``--passphrase`` or the ``SIGNING_PKCS12_PASSPHRASE``
environment variable). The certificate is checked (validity, chain to a pinned root, revocation) before
it is saved. The signer's name is the certificate subject's common name (CN): the name the verification
of a signed result shows (Decree 130/2018/NĐ-CP Art. 5: the certificate identifies its subscriber), so
the portal's pages show the same; ``--name``, when given, must be that name. For the demo: the trust-services simulator writes
``var/testca/signer.p12`` (passphrase ``opendvc-test``).
"""

from __future__ import annotations

import os
import unicodedata

from django.core.management.base import BaseCommand, CommandError

from opendvc.core.problems import ProblemError


def _plain(name: str) -> str:
    return " ".join(unicodedata.normalize("NFC", name or "").split())


class Command(BaseCommand):
    help = "Add an agency's signing certificate (PKCS#12) with the signer's name and title."

    def add_arguments(self, parser):
        parser.add_argument("--agency", required=True)
        parser.add_argument("--pkcs12", required=True)
        parser.add_argument(
            "--name",
            default="",
            help="the signer's name; must be the certificate's CN (taken from it when left out)",
        )
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
                path=opts["pkcs12"], passphrase=passphrase, title=opts["title"]
            )
            if not opts["no_check"]:
                services.credential_check(cred)
        except ProblemError as exc:
            raise CommandError(str(exc)) from exc
        common_name = _plain(cred.name)
        if not common_name:
            raise CommandError(
                "Chứng thư số không có tên người ký (CN); không dùng được để ký kết quả."
            )
        typed = _plain(opts["name"])
        if typed and typed.casefold() != common_name.casefold():
            raise CommandError(
                f"Tên người ký “{typed}” khác tên trong chứng thư số “{common_name}”: trang xác "
                "thực kết quả hiển thị tên trong chứng thư. Bỏ --name hoặc ghi đúng tên này."
            )
        opts["name"] = common_name
        row = SigningCertificate(
            agency=agency,
            signer_name=common_name,
            signer_title=opts["title"],
            pkcs12_path=opts["pkcs12"],
        )
        row.passphrase = passphrase
        row.save()
        self.stdout.write(f"{agency.code}: {opts['name']} ({cred.serial})")
