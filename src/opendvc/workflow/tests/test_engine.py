"""Unit checks of the step engine's pure parts: step lists, timing classes, the SVG chart."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from opendvc.dossiers.selectors import timeliness
from opendvc.workflow.selectors import bar_chart_svg
from opendvc.workflow.services import check_steps, default_steps
from opendvc.worktime import VN_TZ

DUE = datetime(2026, 3, 12, 16, 0, tzinfo=VN_TZ)


def test_timing_classes():
    assert timeliness(done_at=DUE - timedelta(days=1), due_at=DUE) == "early"
    assert timeliness(done_at=DUE - timedelta(hours=2), due_at=DUE) == "on_time"
    assert timeliness(done_at=DUE, due_at=DUE) == "on_time"
    assert timeliness(done_at=DUE + timedelta(seconds=1), due_at=DUE) == "late"


def test_default_template_fills_exactly_the_total():
    steps = default_steps()
    assert [s.role for s in steps] == ["receiving_officer", "processing_officer", "leader", "receiving_officer"]
    assert sum(s.share for s in steps) == 100


def test_shares_need_a_statutory_total():
    errors = check_steps(steps=[{"name": "A", "role": "leader", "share": 50}], total_hours=None)
    assert "chỉ dùng số giờ" in errors[0]["message"]
    assert check_steps(steps=[{"name": "A", "role": "leader", "hours": 5}], total_hours=None) == []


def test_bad_numbers_are_named():
    errors = check_steps(steps=[{"name": "A", "role": "leader", "hours": "abc"},
                                {"name": "B", "role": "leader", "hours": "-1"},
                                {"name": "C", "role": "leader", "share": "120"}], total_hours=Decimal(24))
    assert [e["path"] for e in errors] == ["steps.0.hours", "steps.1.hours", "steps.2.share"]
    assert check_steps(steps=[], total_hours=Decimal(24))[0]["path"] == "steps"


@given(st.lists(st.integers(min_value=1, max_value=40), min_size=1, max_size=8))
def test_hours_fit_or_are_refused(hours):
    steps = [{"name": f"B{i}", "role": "processing_officer", "hours": h} for i, h in enumerate(hours)]
    errors = check_steps(steps=steps, total_hours=Decimal(40))
    assert (errors == []) == (sum(hours) <= 40)


def test_chart_escapes_labels_and_scales_bars():
    svg = bar_chart_svg(bars=[("<script>", 10), ("Đang xử lý", 5)], title="A & B")
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "A &amp; B" in svg
    assert 'width="350"' in svg and 'width="175"' in svg
    assert bar_chart_svg(bars=[], title="x").startswith("<svg")
