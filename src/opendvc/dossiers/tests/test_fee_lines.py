"""Fee lines asked by an officer or the one-stop software (``compute_fees``): whole đồng and whole
quantities only; ``1e400`` (infinity), ``"²"`` and fractions were a 500 or silently truncated."""

from __future__ import annotations

import json

import pytest

from opendvc.core.problems import ProblemError
from opendvc.dossiers.payments import compute_fees


def refused(procedure, fees) -> dict[str, str]:
    with pytest.raises(ProblemError) as caught:
        compute_fees(procedure=procedure, fees=fees)
    return {e["path"]: e["message"] for e in caught.value.extra["errors"]}


@pytest.mark.parametrize(
    ("line", "path"),
    [
        ({"name": "Lệ phí", "amount_vnd": 1000, "quantity": json.loads("1e400")}, "fees.0.quantity"),
        ({"name": "Lệ phí", "amount_vnd": json.loads("1e400")}, "fees.0.amount_vnd"),
        ({"name": "Lệ phí", "amount_vnd": float("nan")}, "fees.0.amount_vnd"),
        ({"name": "Lệ phí", "amount_vnd": 20000.9}, "fees.0.amount_vnd"),
        ({"name": "Lệ phí", "amount_vnd": 20000, "quantity": 1.5}, "fees.0.quantity"),
        ({"name": "Lệ phí", "amount_vnd": True}, "fees.0.amount_vnd"),
        ({"name": "Lệ phí", "amount_vnd": "２００"}, "fees.0.amount_vnd"),
        ({"name": "Lệ phí", "amount_vnd": 10**13}, "fees.0.amount_vnd"),
        ({"name": "Lệ phí", "amount_vnd": -1}, "fees.0.amount_vnd"),
        ({"name": "x" * 301, "amount_vnd": 1000}, "fees.0.name"),
        ({"name": ["Lệ phí"], "amount_vnd": 1000}, "fees.0.name"),
        ({"fee_item": "²"}, "fees.0.fee_item"),
        ({"fee_item": 1.5}, "fees.0.fee_item"),
    ],
)
def test_a_line_that_is_not_whole_dong_is_refused_with_its_path(procedure, line, path):
    assert path in refused(procedure, [line])


def test_whole_amounts_in_any_json_form_are_priced(procedure):
    lines, total = compute_fees(
        procedure=procedure,
        fees=[{"name": "Lệ phí", "amount_vnd": "20000", "quantity": 2.0}, {"name": "Phí", "amount_vnd": 5000}],
    )
    assert [line["amount_vnd"] for line in lines] == [40000, 5000] and total == 45000


@pytest.mark.parametrize(
    "fees",
    [
        [{"name": "Lệ phí đăng ký khai sinh", "amount_vnd": 0}],
        [{"name": "Lệ phí", "amount_vnd": "0", "quantity": 3}, {"name": "Phí", "amount_vnd": 0}],
    ],
)
def test_a_request_for_nothing_is_refused(procedure, fees):
    # A total of 0 đồng paused the dossier's clock for a payment nobody can make (a gateway refuses
    # an order of 0 đồng).
    assert "lớn hơn 0" in refused(procedure, fees)["fees"]


def test_lines_within_bounds_that_add_up_past_the_limit_are_refused(procedure):
    # Each line was accepted, and the total overflowed the bigint column: a 500.
    line = {"name": "Lệ phí", "amount_vnd": 10**12, "quantity": 10_000}
    assert "fees" in refused(procedure, [line] * 1000)
    assert "fees" in refused(procedure, [{"name": "Lệ phí", "amount_vnd": 10**12}, {"name": "Phí", "amount_vnd": 1}])
