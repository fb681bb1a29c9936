"""The feedback lifecycle's vocabulary: states, actions and roles.

Regulation Chapter III (Decision on one-stop and online public services, Art. 7–8): the switchboard
classifies an item and forwards it to an agency; the agency's focal officer answers within 8 working
hours or escalates to the head, who answers within 48 working hours; the agency may reschedule with
the sender at most once (Art. 8.3). The action table (which change is allowed, by whom, with which
inputs) is ``services.TABLE``; ``services.feedback_act`` is the one function that applies a row.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    RECEIVED = "received", _("Chờ phân loại")
    FORWARDED = "forwarded", _("Đã chuyển cơ quan (đầu mối xử lý)")
    ESCALATED = "escalated", _("Chờ thủ trưởng trả lời")
    ANSWERED = "answered", _("Đã trả lời")
    CLOSED = "closed", _("Đã kết thúc")
    REJECTED = "rejected", _("Không xử lý")
    WITHDRAWN = "withdrawn", _("Người gửi đã rút")


class Action(models.TextChoices):
    FORWARD = "forward", _("Chuyển cơ quan xử lý")
    REJECT = "reject", _("Không xử lý (không thuộc phạm vi, trùng lặp, quấy rối)")
    SEND_BACK = "send_back", _("Trả lại tổng đài (chuyển sai cơ quan)")
    ESCALATE = "escalate", _("Chuyển thủ trưởng cơ quan")
    RESCHEDULE = "reschedule", _("Gia hạn (hẹn lại với người gửi)")
    ANSWER = "answer", _("Trả lời")
    MARK_SATISFIED = "mark_satisfied", _("Hài lòng với câu trả lời")
    MARK_NOT_SATISFIED = "mark_not_satisfied", _("Không hài lòng với câu trả lời")
    REOPEN = "reopen", _("Không hài lòng, đề nghị xem xét lại")
    WITHDRAW = "withdraw", _("Rút phản ánh, kiến nghị")


class Role(models.TextChoices):
    SWITCHBOARD = "switchboard", _("Tổng đài viên")
    FOCAL = "focal", _("Đầu mối phản ánh, kiến nghị của cơ quan")
    HEAD = "head", _("Thủ trưởng cơ quan")
    SENDER = "sender", _("Người gửi")
    SYSTEM = "system", _("Hệ thống")


OPEN_STATES = frozenset({State.RECEIVED, State.FORWARDED, State.ESCALATED})
AT_AGENCY_STATES = frozenset({State.FORWARDED, State.ESCALATED})
