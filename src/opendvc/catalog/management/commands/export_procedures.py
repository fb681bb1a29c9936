"""python manage.py export_procedures --format xlsx|csv|json [--output FILE]"""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from opendvc.catalog.selectors import export_queryset, procedure_record
from opendvc.catalog.transfer import FORMATS, write_records
from opendvc.core.progress import add_progress_argument, progress_bar


class Command(BaseCommand):
    help = "Xuất thủ tục hành chính theo đúng lược đồ nhập (nhập lại tệp xuất ra cho cùng dữ liệu)."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=FORMATS, default="json")
        parser.add_argument("--output", "-o", type=Path, help="mặc định: ghi ra stdout")
        parser.add_argument(
            "--include-synthetic", action="store_true", help="kèm dữ liệu giả lập đo hiệu năng"
        )
        add_progress_argument(parser)

    def handle(self, *args, **options):
        qs = export_queryset(include_synthetic=options["include_synthetic"])
        records = [
            procedure_record(p)
            for p in progress_bar(
                qs,
                options=options,
                total=qs.count(),
                desc="Xuất thủ tục",
                unit="thủ tục",
                hide_when_quiet=False,
            )
        ]
        if options["output"]:
            with options["output"].open("wb") as fh:
                write_records(records, options["format"], fh)
            self.stderr.write(f"Đã xuất {len(records)} thủ tục vào {options['output']}.")
        else:
            write_records(
                records,
                options["format"],
                self.stdout.buffer if hasattr(self.stdout, "buffer") else sys.stdout.buffer,
            )
