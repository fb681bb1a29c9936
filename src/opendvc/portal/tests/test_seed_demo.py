"""``manage.py seed_demo`` (what ``make run`` runs): it loads at any hour of any day — working hours,
the end of the afternoon, a weekend night, Tết — and a second run adds nothing.

The demos set appointments and pickup windows from the current instant; each must fall in working time
whatever the instant (the working calendar, Regulation QĐ 31/2020/QĐ-UBND Art. 15.2 for the postal
clock), so the instants below are the ones that broke or could break them.
"""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from django.apps import apps
from django.core.management import call_command

from opendvc.worktime import VN_TZ

INSTANTS = {
    "weekday-0900": datetime(2027, 3, 3, 9, 0, tzinfo=VN_TZ),  # a Wednesday
    "weekday-1736": datetime(2027, 3, 3, 17, 36, tzinfo=VN_TZ),  # after the office closes
    "saturday-2200": datetime(2027, 3, 6, 22, 0, tzinfo=VN_TZ),
    "tet": datetime(2027, 2, 8, 10, 0, tzinfo=VN_TZ),  # Monday, the third day of the Lunar New Year
}


def row_counts() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in apps.get_models() if m._meta.managed}


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("instant", INSTANTS.values(), ids=INSTANTS.keys())
def test_seed_demo_loads_at_any_instant(db, time_machine, instant):
    time_machine.move_to(instant, tick=False)
    assert "Dữ liệu mẫu đã sẵn sàng." in seed()
    from opendvc.dossiers.models import Dossier
    from opendvc.postal.models import PostalOrder

    # Every demo ran to its end: the dossiers of each state and the postal orders are there.
    assert Dossier.objects.filter(applicant__email="citizen1@demo.opendvc.vn").exists()
    assert PostalOrder.objects.exists()


def test_seed_demo_twice_adds_nothing(db, time_machine):
    time_machine.move_to(INSTANTS["weekday-1736"], tick=False)
    seed()
    before = row_counts()
    # Again the next morning, as ``make run`` does every day.
    time_machine.move_to(datetime(2027, 3, 4, 8, 0, tzinfo=VN_TZ), tick=False)
    seed()
    after = row_counts()
    assert {k: (before[k], v) for k, v in after.items() if v != before[k]} == {}
