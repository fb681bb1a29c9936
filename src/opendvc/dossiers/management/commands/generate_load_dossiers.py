"""python manage.py generate_load_dossiers --dossiers 1000000 [--delete]

Synthetic dossiers for performance measurements only (the inbox at a million rows). Codes start with
``SYN-``; applicants are synthetic accounts ``load-N@synthetic.opendvc.vn``; each row's form data says
``{"synthetic": true}``. Agencies, procedures, channels, states and dates are spread like a real year
and a half of a province: most dossiers finished, some open, some overdue. Rows are inserted in bulk
(the lifecycle's events and audit entries are not written for synthetic rows). ``--delete`` removes them.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from opendvc.agencies.models import Agency
from opendvc.audit.services import audit_record
from opendvc.catalog.models import Procedure
from opendvc.core.progress import add_progress_argument, progress_bar
from opendvc.dossiers.models import Dossier

SYN = "SYN-"
DOMAIN = "@synthetic.opendvc.vn"
EMAIL = "load-{n}" + DOMAIN
# (state, weight) — finished dossiers dominate, as in a running portal.
STATES = [
    ("returned", 52), ("processing", 14), ("received", 6), ("submitted", 5), ("result_ready", 4),
    ("returned_for_completion", 4), ("supplement_requested", 3), ("payment_required", 1), ("refused", 4),
    ("withdrawn", 3), ("stopped", 2), ("draft", 2),
]
CHANNELS = [("online", 60), ("counter", 30), ("postal", 7), ("national_portal", 3)]
RECEIVED = {"received", "processing", "result_ready", "supplement_requested", "payment_required", "returned",
            "stopped"}
FINISHED = {"returned", "refused", "withdrawn", "stopped"}


class Command(BaseCommand):
    help = "Tạo hồ sơ GIẢ LẬP (mã SYN-…) chỉ để đo hiệu năng; --delete để xóa."

    def add_arguments(self, parser):
        parser.add_argument("--dossiers", type=int, default=100_000)
        parser.add_argument("--delete", action="store_true")
        parser.add_argument("--seed", type=int, default=20260101)
        parser.add_argument("--force", action="store_true", help="cho phép chạy với cấu hình production")
        add_progress_argument(parser)

    def handle(self, *args, **options):
        if settings.DJANGO_ENV == "production" and not options["force"]:
            raise CommandError("Chỉ dùng trên máy thử nghiệm; thêm --force nếu thật sự muốn chạy trên máy chủ thật.")
        if options["delete"]:
            with transaction.atomic():
                synthetic = Dossier.objects.filter(applicant__email__endswith=DOMAIN)
                # A dossier's history is append-only (Regulation Art. 4.2): one that was acted on stays.
                kept = synthetic.filter(events__isnull=False).distinct().count()
                deleted, _ = synthetic.filter(events__isnull=True).delete()
                audit_record(actor=None, action="dossiers.synthetic.deleted", target=None,
                             changes={"rows": deleted, "kept_with_history": kept})
            self.stdout.write(f"Đã xóa hồ sơ giả lập ({deleted} dòng); giữ lại {kept} hồ sơ đã có lịch sử xử lý.")
            return
        count = options["dossiers"]
        if count < 1 or count > 5_000_000:
            raise CommandError("--dossiers phải từ 1 đến 5000000.")
        agencies = list(Agency.objects.filter(is_active=True))
        procedures = list(Procedure.objects.filter(status=Procedure.Status.PUBLISHED, is_synthetic=False)
                          .values_list("pk", "current_version_id"))
        if not agencies or not procedures:
            raise CommandError("Cần có cơ quan và thủ tục (chạy seed_demo trước).")
        User = get_user_model()
        users = []
        for n in range(200):
            user, _ = User.objects.get_or_create(email=EMAIL.format(n=n), defaults={"full_name": f"Người nộp {n}"})
            users.append(user.pk)
        start_seq = Dossier.objects.filter(applicant__email__endswith=DOMAIN).count()
        rng = random.Random(options["seed"] + start_seq)  # noqa: S311 - reproducible test data
        # The agencies get unequal shares (a few busy ones), like real intake.
        agency_weights = [rng.paretovariate(1.2) for _ in agencies]
        states, state_w = zip(*STATES, strict=True)
        channels, channel_w = zip(*CHANNELS, strict=True)
        now = timezone.now()
        bar = progress_bar(options=options, total=count, desc="Tạo hồ sơ giả lập", unit="hồ sơ",
                           hide_when_quiet=False)
        batch = 5000
        for offset in range(0, count, batch):
            rows = []
            for i in range(min(batch, count - offset)):
                seq = start_seq + offset + i + 1
                agency = rng.choices(agencies, weights=agency_weights)[0]
                procedure_id, version_id = rng.choice(procedures)
                state = rng.choices(states, weights=state_w)[0]
                created = now - timedelta(minutes=rng.randint(0, 548 * 24 * 60))
                submitted = None if state == "draft" else created + timedelta(minutes=rng.randint(1, 120))
                received = due = finished = None
                if state in RECEIVED and submitted:
                    received = submitted + timedelta(hours=rng.randint(1, 40))
                    due = received + timedelta(days=rng.choice([1, 3, 5, 7, 10, 15, 20]))
                if state in FINISHED and submitted:
                    base = received or submitted
                    finished = min(now, base + timedelta(days=rng.uniform(0.5, 25)))
                rows.append(Dossier(
                    code=None if state == "draft" else f"{SYN}{agency.code}-{seq:08d}",
                    procedure_id=procedure_id, procedure_version_id=version_id, applicant_id=rng.choice(users),
                    receiving_agency_id=agency.pk, channel=rng.choices(channels, weights=channel_w)[0],
                    status=state, form_data={"synthetic": True}, submitted_at=submitted, received_at=received,
                    due_at=due, finished_at=finished,
                ))
            with transaction.atomic():
                Dossier.objects.bulk_create(rows, batch_size=batch)
            bar.update(len(rows))
        bar.close()

        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE dossiers_dossier")  # fresh statistics for the planner
        audit_record(actor=None, action="dossiers.synthetic.created", target=None, changes={"rows": count})
        self.stdout.write(f"Đã tạo {count} hồ sơ giả lập.")
