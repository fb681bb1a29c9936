"""Turn inbound emails into feedback items: ``manage.py feedback_ingest_email PATH…`` where each path
is an .eml file or a Maildir (new messages are moved to cur/ once handled). Hostile or broken
messages go to the quarantine; the command never stops on one message."""

import mailbox
from pathlib import Path

from django.core.management.base import BaseCommand

from opendvc.feedback.inbound import email_ingest


class Command(BaseCommand):
    help = "Chuyển thư điện tử (.eml hoặc Maildir) thành phản ánh, kiến nghị."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+")

    def handle(self, *args, paths, **options):
        created = quarantined = duplicates = 0
        for raw_path in paths:
            path = Path(raw_path)
            if path.is_dir() and (path / "new").is_dir():
                box = mailbox.Maildir(path, create=False)
                for key in list(box.iterkeys()):
                    outcome = email_ingest(raw=box.get_bytes(key))
                    msg = box[key]
                    msg.set_subdir("cur")
                    msg.add_flag("S")
                    box[key] = msg
                    created, quarantined, duplicates = self._count(
                        outcome, created, quarantined, duplicates
                    )
            elif path.is_file():
                outcome = email_ingest(raw=path.read_bytes())
                created, quarantined, duplicates = self._count(
                    outcome, created, quarantined, duplicates
                )
            else:
                self.stderr.write(f"Bỏ qua {raw_path}: không phải tệp hay Maildir.")
        self.stdout.write(f"Phản ánh mới: {created}; cách ly: {quarantined}; trùng: {duplicates}")

    @staticmethod
    def _count(outcome, created, quarantined, duplicates):
        if outcome.quarantined is not None:
            return created, quarantined + 1, duplicates
        if outcome.duplicate:
            return created, quarantined, duplicates + 1
        return created + 1, quarantined, duplicates
