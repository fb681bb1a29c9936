"""``manage.py pull_national_catalog``: pull the national catalogue into the staging area (progress on
stderr); an officer reviews and publishes it at /quan-tri/lien-thong/danh-muc/."""

from django.core.management.base import BaseCommand, CommandError

from opendvc.core.problems import ProblemError
from opendvc.integrations.national.catalog import catalog_pull, catalog_pull_counts


class Command(BaseCommand):
    help = "Lấy danh mục TTHC, cơ quan, lĩnh vực từ Cổng DVC quốc gia vào vùng chờ duyệt."

    def add_arguments(self, parser):
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        def progress(done: int, total: int, code: str) -> None:
            if not options["no_progress"]:
                self.stderr.write(f"\r{done}/{total} {code}", ending="")

        try:
            pull = catalog_pull(progress=progress)
        except ProblemError as exc:
            raise CommandError(exc.detail) from exc
        if not options["no_progress"]:
            self.stderr.write("")
        counts = catalog_pull_counts(pull=pull)
        self.stdout.write(
            f"Lần lấy #{pull.pk}: {counts['new']} mới, {counts['changed']} thay đổi, "
            f"{counts['same']} không đổi, {counts['invalid']} không hợp lệ; "
            f"{len(pull.agencies)} cơ quan, {len(pull.fields)} lĩnh vực. Duyệt tại /quan-tri/lien-thong/danh-muc/."
        )
