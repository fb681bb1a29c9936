from __future__ import annotations

from datetime import datetime

import pytest

from opendvc.worktime.calendar import VN_TZ, WorkCalendar
from opendvc.worktime.selectors import invalidate_cache


@pytest.fixture(scope="session")
def vn_calendar() -> WorkCalendar:
    """The calendar straight from the holidays package for 2020–2035 (no database)."""
    return WorkCalendar.from_rules(years=range(2020, 2036))


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    invalidate_cache()
    yield
    invalidate_cache()


def vn(*args) -> datetime:
    return datetime(*args, tzinfo=VN_TZ)
