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
def test_seed_demo_loads_at_any_instant(db, client, time_machine, instant):
    time_machine.move_to(instant, tick=False)
    assert "Dữ liệu mẫu đã sẵn sàng." in seed()
    from opendvc.dossiers.models import Dossier
    from opendvc.postal.models import PostalOrder

    # Every demo ran to its end: the dossiers of each state and the postal orders are there.
    assert Dossier.objects.filter(applicant__email="citizen1@demo.opendvc.vn").exists()
    assert PostalOrder.objects.exists()
    feedback_and_surveys_shown(client)


def page(client, url: str, email: str | None = None) -> str:
    from opendvc.accounts.models import User

    client.logout()
    if email:
        client.force_login(User.objects.get(email=email))
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def feedback_and_surveys_shown(client) -> None:
    """What a newcomer finds after the seed, whatever the instant: the public Q&A page lists the
    published answer, the focal officer's queues hold the waiting and the late item, the head's the
    escalated one, citizen1 sees their own item and has a survey invitation to answer."""
    from django.urls import reverse

    from opendvc.feedback import demo as feedback_demo
    from opendvc.surveys.models import SurveyInvitation

    focal, head = feedback_demo.FOCAL, feedback_demo.HEAD
    assert feedback_demo.PUBLISHED in page(client, reverse("feedback:qa_list"))
    queue = reverse("feedback:queue")
    open_items = page(client, queue, focal)
    for subject in (feedback_demo.WAITING, feedback_demo.OVERDUE, feedback_demo.RESCHEDULED):
        assert subject in open_items
    overdue = page(client, queue + "?hang-doi=overdue", focal)
    assert feedback_demo.OVERDUE in overdue and feedback_demo.WAITING not in overdue
    assert feedback_demo.RESCHEDULED in page(client, queue + "?hang-doi=rescheduled", focal)
    assert feedback_demo.ESCALATED in page(client, queue, head)
    assert feedback_demo.OWN in page(client, reverse("feedback:mine"), feedback_demo.CITIZEN)
    waiting = SurveyInvitation.objects.get(
        applicant__email=feedback_demo.CITIZEN, answered_at__isnull=True
    )
    assert SurveyInvitation.objects.filter(
        applicant__email=feedback_demo.CITIZEN, answered_at__isnull=False
    ).exists()
    survey = page(client, reverse("surveys:answer", args=[waiting.token]), feedback_demo.CITIZEN)
    assert 'name="overall"' in survey


def test_seed_demo_twice_adds_nothing(db, time_machine):
    time_machine.move_to(INSTANTS["weekday-1736"], tick=False)
    seed()
    before = row_counts()
    # Again the next morning, as ``make run`` does every day.
    time_machine.move_to(datetime(2027, 3, 4, 8, 0, tzinfo=VN_TZ), tick=False)
    seed()
    after = row_counts()
    assert {k: (before[k], v) for k, v in after.items() if v != before[k]} == {}
