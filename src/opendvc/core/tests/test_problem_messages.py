"""What a page shows of a refused action: every message once, in order (the duplicates came from
services that give their one error's message as the detail too)."""

from __future__ import annotations

from opendvc.core.problems import ProblemError


def test_messages_once_each_in_order():
    exc = ProblemError(
        "validation_error",
        "Ngày hẹn trả không hợp lệ.",
        extra={"errors": [
            {"path": "due_at", "message": "Ngày hẹn trả không hợp lệ."},
            {"path": "note", "message": "Ghi chú quá dài."},
            {"path": "x", "message": ""},
            {"path": "y", "message": "Ghi chú quá dài."},
        ]},
    )
    assert exc.messages() == ["Ngày hẹn trả không hợp lệ.", "Ghi chú quá dài."]
    assert ProblemError("conflict", "Hồ sơ đã đổi.").messages() == ["Hồ sơ đã đổi."]
