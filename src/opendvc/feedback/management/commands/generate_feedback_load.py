"""Fill the database with synthetic feedback items for benchmarks:
``manage.py generate_feedback_load --count 200000``. Idempotent: only the missing items are added
(codes ``PA-LOAD-…``). Rows are written in bulk, not through the services (no history, no audit):
load data only, never on a production database."""

from __future__ import annotations

import random
from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from opendvc.agencies import demo
from opendvc.agencies.models import Agency
from opendvc.core.progress import progress_bar
from opendvc.feedback.lifecycle import State
from opendvc.feedback.models import Channel, Feedback, Kind

STATES = [
    (State.RECEIVED, 10),
    (State.FORWARDED, 20),
    (State.ESCALATED, 5),
    (State.ANSWERED, 25),
    (State.CLOSED, 35),
    (State.REJECTED, 3),
    (State.WITHDRAWN, 2),
]


class Command(BaseCommand):
    help = "Tạo dữ liệu phản ánh giả lập để đo hiệu năng."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=200_000)
        parser.add_argument("--batch", type=int, default=5_000)
        parser.add_argument("--seed", type=int, default=20261130)

    def handle(self, *args, count: int, batch: int, seed: int, **options):
        agencies = list(Agency.objects.values_list("pk", flat=True))
        if not agencies:
            demo.seed()
            agencies = list(Agency.objects.values_list("pk", flat=True))
        existing = Feedback.objects.filter(code__startswith="PA-LOAD-").count()
        rng = random.Random(seed + existing)  # noqa: S311 - synthetic data, not secrets
        states = [s for s, _w in STATES]
        weights = [w for _s, w in STATES]
        now = timezone.now()
        channels, kinds = Channel.values, Kind.values
        with progress_bar(
            options=options, total=count, initial=min(existing, count), unit="phản ánh"
        ) as bar:
            n = existing
            while n < count:
                rows = []
                for i in range(n, min(n + batch, count)):
                    status = rng.choices(states, weights)[0]
                    created = now - timedelta(minutes=rng.randint(0, 365 * 24 * 60))
                    fb = Feedback(
                        code=f"PA-LOAD-{i:07d}",
                        channel=rng.choice(channels),
                        kind=rng.choice(kinds),
                        status=status,
                        sender_name=f"Người gửi {i}",
                        sender_email=f"load{i}@example.vn",
                        subject=f"Phản ánh giả lập {i}",
                        content="Nội dung giả lập.",
                        created_at=created,
                    )
                    if status != State.RECEIVED and status not in (State.REJECTED, State.WITHDRAWN):
                        fb.agency_id = rng.choice(agencies)
                        fb.forwarded_at = created + timedelta(hours=rng.randint(1, 8))
                        fb.focal_due_at = fb.forwarded_at + timedelta(hours=rng.randint(8, 60))
                        fb.original_due_at = fb.due_at = fb.focal_due_at
                        if status in (State.FORWARDED, State.ESCALATED):
                            # Open work: deadlines around now, some past, some in the next days.
                            fb.due_at = fb.original_due_at = now + timedelta(
                                minutes=rng.randint(-30 * 24 * 60, 5 * 24 * 60)
                            )
                        else:
                            fb.answered_at = fb.forwarded_at + timedelta(hours=rng.randint(1, 80))
                            fb.answered_on_time = fb.answered_at <= fb.original_due_at
                            # Late is recorded at the deadline that passed (feedback.timing).
                            fb.overdue_since = None if fb.answered_on_time else fb.original_due_at
                            fb.answer = "Trả lời giả lập."
                    rows.append(fb)
                Feedback.objects.bulk_create(rows, batch_size=batch)
                bar.update(len(rows))
                n += len(rows)
        self.stdout.write(
            f"Phản ánh giả lập: {Feedback.objects.filter(code__startswith='PA-LOAD-').count()}"
        )
