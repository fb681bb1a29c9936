"""Browser check: the public transparency page fits a 360 px phone, its charts scale, and axe finds
no serious violation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def server(live_server):
    from opendvc.agencies import demo
    from opendvc.agencies.models import Agency
    from opendvc.reports.models import DossierFact

    demo.seed()
    now = timezone.now()
    for n, agency in enumerate(Agency.objects.order_by("pk")[:4]):
        for i in range(3 + n):
            DossierFact.objects.create(
                dossier_id=1000 * (n + 1) + i,
                code=f"X-{n}-{i}",
                agency_id=agency.pk,
                procedure_id=1,
                level=3 + i % 2,
                channel="online" if i % 2 else "counter",
                submitted_at=now - timedelta(days=2),
                received_at=now - timedelta(days=2),
                due_at=now + timedelta(days=3),
                finished_at=now - timedelta(days=1) if i else None,
                outcome="returned" if i else "",
                on_time_class="early" if i else "",
                processing_tenths=10 if i else None,
            )
    return live_server


def test_transparency_page_on_a_phone(server, new_page):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[4]))
    from e2e.conftest import screenshot, serious_violations

    page = new_page(360)
    response = page.goto(server.url + "/minh-bach/")
    assert response.status == 200
    assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
    widths = page.evaluate(
        "[...document.querySelectorAll('.chart svg')].map(s => s.getBoundingClientRect().width)"
    )
    assert len(widths) == 3 and all(0 < w <= 360 for w in widths)
    screenshot(page, "phone-minh-bach")
    assert serious_violations(page) == []
