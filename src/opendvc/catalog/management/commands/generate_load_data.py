"""python manage.py generate_load_data [--count 6000] [--delete]

Creates synthetic procedures for performance measurements only. Every one is flagged
``is_synthetic=True``, has a code starting with ``SYN-`` and a name ending in "(dữ liệu giả lập …)".
They are built from the shipped real procedures (names, fields, methods, legal basis words) so that
searches behave like real ones. Remove them with ``--delete``.
"""

from __future__ import annotations

import random

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from opendvc.audit.services import audit_record
from opendvc.catalog.demo import DATA_FILE
from opendvc.catalog.models import SYNTHETIC_PREFIX, Procedure, ProcedureMethod
from opendvc.catalog.services import (
    ImportContext,
    bump_revision,
    derive_level,
    match_agencies,
    search_columns,
)
from opendvc.catalog.transfer import check_file
from opendvc.core.collation import sort_key
from opendvc.core.progress import add_progress_argument, progress_bar

QUALIFIERS = [
    "đối với cá nhân",
    "đối với tổ chức",
    "có yếu tố nước ngoài",
    "lưu động",
    "cấp lại",
    "cấp đổi",
    "điều chỉnh",
    "gia hạn",
    "trong khu công nghiệp",
    "tại cơ quan đại diện",
    "cho người nước ngoài",
    "bổ sung thông tin",
    "thay đổi nội dung",
    "xác nhận",
    "liên thông",
]


class Command(BaseCommand):
    help = "Tạo thủ tục GIẢ LẬP (mã SYN-…) chỉ để đo hiệu năng; --delete để xóa."

    def add_arguments(self, parser):
        parser.add_argument(
            "--count", type=int, default=None, help="số thủ tục giả lập (mặc định 6000)"
        )
        parser.add_argument(
            "--dossiers",
            type=int,
            default=None,
            help="tạo N hồ sơ giả lập (generate_load_dossiers)",
        )
        parser.add_argument(
            "--feedback",
            type=int,
            default=None,
            help="tạo N phản ánh giả lập (generate_feedback_load)",
        )
        parser.add_argument("--delete", action="store_true", help="xóa toàn bộ dữ liệu giả lập")
        parser.add_argument("--seed", type=int, default=20250701)
        parser.add_argument(
            "--force", action="store_true", help="cho phép chạy với cấu hình production"
        )
        add_progress_argument(parser)

    def handle(self, *args, **options):
        # One entry point for every kind of load data: dossiers and feedback are made by their apps.
        if options["dossiers"] is not None or options["feedback"] is not None:
            passed = {"no_progress": options["no_progress"]}
            if options["dossiers"] is not None:
                call_command(
                    "generate_load_dossiers",
                    dossiers=options["dossiers"],
                    force=options["force"],
                    delete=options["delete"],
                    stdout=self.stdout,
                    stderr=self.stderr,
                    **passed,
                )
            if options["feedback"] is not None:
                call_command(
                    "generate_feedback_load",
                    count=options["feedback"],
                    stdout=self.stdout,
                    stderr=self.stderr,
                )
            if options["count"] is None:
                return
        options["count"] = 6000 if options["count"] is None else options["count"]
        if settings.DJANGO_ENV == "production" and not options["force"]:
            raise CommandError(
                "Chỉ dùng trên máy thử nghiệm; thêm --force nếu thật sự muốn chạy trên máy chủ thật."
            )
        if options["delete"]:
            with transaction.atomic():
                deleted, _ = Procedure.objects.filter(is_synthetic=True).delete()
                bump_revision()
                audit_record(
                    actor=None,
                    action="catalog.synthetic.deleted",
                    target=None,
                    changes={"rows": deleted},
                )
            self.stdout.write(f"Đã xóa dữ liệu giả lập ({deleted} dòng).")
            return
        count = options["count"]
        if count < 1 or count > 200_000:
            raise CommandError("--count phải từ 1 đến 200000.")
        templates = [c.record for c in check_file(DATA_FILE, "json") if c.ok]
        rng = random.Random(options["seed"])  # noqa: S311 - reproducible test data, not security
        ctx = ImportContext.load()
        start = Procedure.objects.filter(is_synthetic=True).count()
        created = 0
        bar = progress_bar(
            options=options,
            total=count,
            desc="Tạo thủ tục giả lập",
            unit="thủ tục",
            hide_when_quiet=False,
        )
        with transaction.atomic():
            batch_size = 500
            for offset in range(0, count, batch_size):
                n = min(batch_size, count - offset)
                records, objects = [], []
                for i in range(n):
                    number = start + offset + i + 1
                    tpl = rng.choice(templates)
                    record = dict(tpl)
                    record["national_code"] = f"{SYNTHETIC_PREFIX}{number:06d}"
                    record["name"] = (
                        f"{tpl['name']} {rng.choice(QUALIFIERS)} (dữ liệu giả lập {number})"
                    )
                    record["local_code"] = ""
                    sector = ctx.sector(record["sector"])
                    level, level_source, level_basis = derive_level(record)
                    methods = list(dict.fromkeys(m["method"] for m in record["methods"]))
                    objects.append(
                        Procedure(
                            code=record["national_code"],
                            name=record["name"],
                            sort_name=sort_key(record["name"]),
                            sector=sector,
                            field=ctx.field_for(record["field"], sector),
                            level=level,
                            level_source=level_source,
                            level_basis=level_basis,
                            online_class=record["online_class"],
                            applicants=record["applicants"],
                            result=record["result"] or "",
                            implementing_agency_text=record["implementing_agency"] or "",
                            tiers_raw=record["levels_raw"] or "",
                            status=Procedure.Status.PUBLISHED,
                            is_synthetic=True,
                            methods_available=methods,
                            has_online="online" in methods,
                            unverified_fields=record["unverified_fields"],
                            **search_columns(record),
                        )
                    )
                    records.append(record)
                Procedure.objects.bulk_create(objects)
                saved = {
                    p.code: p for p in Procedure.objects.filter(code__in=[o.code for o in objects])
                }
                tier_links, agency_links, method_rows = [], [], []
                for record in records:
                    proc = saved[record["national_code"]]
                    tier_links += [
                        Procedure.tiers.through(procedure_id=proc.pk, tier_id=ctx.tiers[t].pk)
                        for t in record["tiers"]
                        if t in ctx.tiers
                    ]
                    agency_links += [
                        Procedure.agencies.through(procedure_id=proc.pk, agency_id=a.pk)
                        for a in match_agencies(record["implementing_agency"] or "", ctx.agencies)
                    ]
                    method_rows += [
                        ProcedureMethod(
                            procedure=proc,
                            position=j,
                            method=m["method"],
                            time_amount=m["time_amount"],
                            time_unit=m["time_unit"] or "",
                            time_text=m["time_text"],
                            fee_text=m["fee_text"],
                        )
                        for j, m in enumerate(record["methods"])
                    ]
                Procedure.tiers.through.objects.bulk_create(tier_links)
                Procedure.agencies.through.objects.bulk_create(agency_links)
                ProcedureMethod.objects.bulk_create(method_rows)
                created += n
                bar.update(n)
            bump_revision()
            audit_record(
                actor=None,
                action="catalog.synthetic.generated",
                target=None,
                changes={"created": created, "prefix": SYNTHETIC_PREFIX},
            )
        bar.close()
        self.stdout.write(
            f"Đã tạo {created} thủ tục giả lập (mã {SYNTHETIC_PREFIX}…, is_synthetic=True)."
        )
