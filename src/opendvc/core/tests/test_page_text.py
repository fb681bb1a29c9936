"""What pages show: a refused action's messages once each, in order (the duplicates came from
services that give their one error's message as the detail too); a lead-in without ".:"."""

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


def test_lead_in_drops_the_closing_punctuation_before_a_colon():
    from django.template import Context, Template

    rendered = Template('{% load text %}{{ name|lead_in }}: a.pdf').render(
        Context({"name": "Bản sao giấy khai sinh, không phải chứng thực. "})
    )
    assert rendered == "Bản sao giấy khai sinh, không phải chứng thực: a.pdf"
