"""The feedback transition table: the only place that says which change is allowed, by whom.

Regulation Chapter III (Decision on one-stop and online public services, Art. 7–8): the switchboard
classifies an item and forwards it to an agency; the agency's focal officer answers within 8 working
hours or escalates to the head, who answers within 48 working hours; the agency may reschedule with
the sender at most once (Art. 8.3). ``services.feedback_transition`` is the one function that applies
a row of this table.
"""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class Transition:
    source: str
    action: str
    roles: frozenset[str]
    target: str
    required: tuple[str, ...] = ()


S, A, R = State, Action, Role
STAFF_AT_AGENCY = frozenset({R.FOCAL, R.HEAD})

TABLE: tuple[Transition, ...] = (
    Transition(S.RECEIVED, A.FORWARD, frozenset({R.SWITCHBOARD}), S.FORWARDED, ("agency",)),
    Transition(S.RECEIVED, A.REJECT, frozenset({R.SWITCHBOARD}), S.REJECTED, ("note",)),
    Transition(S.RECEIVED, A.WITHDRAW, frozenset({R.SENDER}), S.WITHDRAWN),
    Transition(S.FORWARDED, A.SEND_BACK, STAFF_AT_AGENCY, S.RECEIVED, ("note",)),
    Transition(S.FORWARDED, A.ESCALATE, frozenset({R.FOCAL}), S.ESCALATED),
    # Art. 8.3: at most once per item (guard in services).
    Transition(S.FORWARDED, A.RESCHEDULE, STAFF_AT_AGENCY, S.FORWARDED, ("note", "new_due_at")),
    Transition(S.FORWARDED, A.ANSWER, STAFF_AT_AGENCY, S.ANSWERED, ("answer",)),
    Transition(S.FORWARDED, A.WITHDRAW, frozenset({R.SENDER}), S.WITHDRAWN),
    Transition(S.ESCALATED, A.RESCHEDULE, frozenset({R.HEAD}), S.ESCALATED, ("note", "new_due_at")),
    Transition(S.ESCALATED, A.ANSWER, frozenset({R.HEAD}), S.ANSWERED, ("answer",)),
    Transition(S.ESCALATED, A.WITHDRAW, frozenset({R.SENDER}), S.WITHDRAWN),
    Transition(S.ANSWERED, A.MARK_SATISFIED, frozenset({R.SENDER}), S.CLOSED),
    Transition(S.ANSWERED, A.MARK_NOT_SATISFIED, frozenset({R.SENDER}), S.CLOSED),
    # Not satisfied may reopen once, within FEEDBACK_REOPEN_DAYS of the answer (guard in services).
    Transition(S.ANSWERED, A.REOPEN, frozenset({R.SENDER}), S.FORWARDED),
    Transition(S.CLOSED, A.REOPEN, frozenset({R.SENDER}), S.FORWARDED),
)

OPEN_STATES = frozenset({S.RECEIVED, S.FORWARDED, S.ESCALATED})
AT_AGENCY_STATES = frozenset({S.FORWARDED, S.ESCALATED})


def transition_for(state: str, action: str) -> Transition | None:
    for t in TABLE:
        if t.source == state and t.action == action:
            return t
    return None


def allowed_actions(state: str, roles: set[str] | frozenset[str]) -> list[Transition]:
    return [t for t in TABLE if t.source == state and t.roles & set(roles)]
