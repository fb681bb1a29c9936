"""The dossier history in words: each ``DossierEvent`` told as a Vietnamese sentence (English through
the gettext catalogue), for the applicant's and the officer's timeline.

``event_describe`` is the one place that turns an event's action and payload into text: instants are
written ``16:00 ngày 09/12/2026`` in Hồ Chí Minh time, money ``8.000 đồng``, codes (channels, return
and payment methods, on-time classes, clock modes) by their labels. A payload key it does not know is
left out, never shown raw. What people wrote (reasons, notes, items to supply, names, addresses) and
the names of steps and fee items stay in Vietnamese: on a page in another language they are marked
``lang="vi"`` (``core.quoting``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from opendvc.core.money import format_vnd
from opendvc.core.quoting import MarkedText, quoting, text_join, vietnamese
from opendvc.worktime import WorktimeError, to_local

from .lifecycle import Action, action_label, state_label
from .models import Channel
from .payments import METHODS as PAYMENT_METHODS
from .returns import METHODS as RETURN_METHODS


@dataclass(frozen=True)
class EventText:
    """What the timeline shows for one event: the action's name, one sentence, optional lines (items
    to supply, fee lines, attached files) and the status change in words."""

    title: str
    sentence: str
    details: tuple[str, ...] = field(default_factory=tuple)
    status: str = ""


def format_when(value: Any) -> str:
    """An instant (aware datetime or ISO 8601 text) as ``16:00 ngày 09/12/2026`` in local time; ``""``
    when it cannot be read."""
    if value in (None, ""):
        return ""
    try:
        local = to_local(value)
    except (WorktimeError, ValueError, TypeError):
        return ""
    return _("%(time)s ngày %(date)s") % {
        "time": local.strftime("%H:%M"),
        "date": local.strftime("%d/%m/%Y"),
    }


def _hours(value: Any) -> str:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return ""
    amount = amount.quantize(Decimal("0.01")).normalize()
    text = f"{amount:f}".replace(".", ",")
    return _("%(n)s giờ làm việc") % {"n": text}


def _channel(code: str) -> str:
    return str(Channel(code).label) if code in Channel.values else ""


def _return_method(code: str) -> str:
    method = RETURN_METHODS.get(code or "")
    return str(method.label) if method else ""


def _payment_method(code: str) -> str:
    method = PAYMENT_METHODS.get(code or "")
    return str(method.label) if method else ""


def _on_time(code: str) -> str:
    return {"early": _("trước hạn"), "on_time": _("đúng hạn"), "late": _("trễ hạn")}.get(
        code or "", ""
    )


def _items(data: dict) -> tuple[str, ...]:
    items = data.get("items") or []
    if isinstance(items, str):
        items = items.splitlines()
    return tuple(vietnamese(str(i).strip()) for i in items if str(i).strip())


def _fee_lines(lines: Any) -> tuple[str, ...]:
    out = []
    for line in lines if isinstance(lines, list | tuple) else []:
        if not isinstance(line, dict):
            continue
        quantity = line.get("quantity") or 1
        name = str(line.get("name") or "")
        numbers = {
            "quantity": quantity,
            "unit": format_vnd(line.get("unit_vnd")),
            "amount": format_vnd(line.get("amount_vnd")),
        }
        template = _("%(name)s: %(quantity)s × %(unit)s = %(amount)s")
        out.append(
            quoting(template, {"name": name}, numbers)
            if name
            else template % {"name": _("Khoản thu"), **numbers}
        )
    return tuple(out)


def _resumed(data: dict) -> str:
    """The clock resuming after a pause (supply, pay): how long it waited and the new appointment."""
    if not data.get("due_at"):
        return ""
    parts = []
    if data.get("clock") == "restart":
        parts.append(_("thời hạn giải quyết được tính lại từ đầu"))
    elif data.get("paused_hours") not in (None, ""):
        parts.append(
            _("thời gian chờ không tính vào thời hạn (%(hours)s)")
            % {"hours": _hours(data["paused_hours"])}
        )
    parts.append(_("hẹn trả kết quả %(due)s") % {"due": format_when(data["due_at"])})
    return "; ".join(parts)


def _sentence(part: str) -> str:
    """``part`` trimmed, starting with a capital and ending with a full stop; a part quoting
    Vietnamese keeps its marking (its first letter is left as it is when the quote starts it)."""
    text = part.strip()
    end = "" if text.endswith((".", "!", "?")) else "."
    if not isinstance(part, MarkedText):
        return text[:1].upper() + text[1:] + end
    html = str(part.__html__()).strip()
    if not html.startswith("<"):
        text, html = text[:1].upper() + text[1:], html[:1].upper() + html[1:]
    return MarkedText(text + end, html + end)


def _join(*parts: str) -> str:
    """Sentences joined, each ending with a full stop."""
    return text_join(" ", (_sentence(part) for part in parts if part and part.strip()))


def _reason(text: str) -> str:
    return quoting(_("Lý do: %(reason)s"), {"reason": text}) if text else ""


def event_describe(*, event) -> EventText:
    """The words for ``event`` (a ``DossierEvent``): per action, read from its payload (``data``) and
    note. Side-effect free."""
    data: dict[str, Any] = event.data if isinstance(event.data, dict) else {}
    action = event.action
    note = (event.note or "").strip()
    reason = str(data.get("reason") or "").strip() or note
    details: tuple[str, ...] = ()
    note_used = False

    if action == Action.SUBMIT:
        channel = _channel(data.get("channel") or "")
        sentence = (
            _("Hồ sơ được nộp, hình thức: %(channel)s.") % {"channel": channel.lower()}
            if channel
            else _("Hồ sơ được nộp.")
        )
        chosen = _return_method(data.get("return_method") or "")
        if chosen:
            sentence = _join(
                sentence,
                _("Người nộp chọn nhận kết quả: %(method)s") % {"method": chosen.lower()},
            )
    elif action == Action.DELETE:
        sentence = _("Bản nháp đã được xóa.")
    elif action == Action.RECEIVE:
        due = format_when(data.get("due_at"))
        sentence = (
            _("Hồ sơ được tiếp nhận; hẹn trả kết quả %(due)s.") % {"due": due}
            if due
            else _("Hồ sơ được tiếp nhận.")
        )
    elif action == Action.RETURN_FOR_COMPLETION:
        details = _items(data)
        sentence = _("Hồ sơ chưa đầy đủ; người nộp cần bổ sung, hoàn thiện %(n)d nội dung.") % {
            "n": len(details)
        }
    elif action == Action.REFUSE:
        sentence, note_used = _join(_("Hồ sơ bị từ chối tiếp nhận"), _reason(reason)), True
    elif action == Action.WITHDRAW:
        sentence, note_used = _join(_("Người nộp đã rút hồ sơ"), _reason(reason)), True
    elif action == Action.RESUBMIT:
        sentence = _("Người nộp đã bổ sung, hoàn thiện và nộp lại hồ sơ.")
    elif action == Action.START_PROCESSING:
        step, due = str(data.get("step") or ""), format_when(data.get("step_due_at"))
        if step and due:
            sentence = quoting(
                _("Hồ sơ được chuyển xử lý, bước “%(step)s”, hạn xử lý bước %(due)s."),
                {"step": step},
                {"due": due},
            )
        elif step:
            sentence = quoting(_("Hồ sơ được chuyển xử lý, bước “%(step)s”."), {"step": step})
        else:
            sentence = _("Hồ sơ được chuyển xử lý.")
    elif action == Action.REQUEST_SUPPLEMENT:
        details = _items(data)
        sentence = _(
            "Cơ quan giải quyết yêu cầu bổ sung giấy tờ; thời hạn giải quyết tạm dừng đến khi người nộp "
            "bổ sung."
        )
    elif action == Action.SUPPLY:
        sentence = _join(
            _("Người nộp đã bổ sung giấy tờ; hồ sơ tiếp tục được xử lý"), _resumed(data)
        )
    elif action == Action.REQUIRE_PAYMENT:
        details = _fee_lines(data.get("fees"))
        total = format_vnd(data.get("total_vnd"))
        sentence = (
            _(
                "Cơ quan yêu cầu nộp phí, lệ phí, tổng cộng %(total)s; thời hạn giải quyết tạm dừng đến khi "
                "nộp xong."
            )
            % {"total": total}
            if total
            else _("Cơ quan yêu cầu nộp phí, lệ phí.")
        )
    elif action == Action.PAY:
        payment = data.get("payment") if isinstance(data.get("payment"), dict) else {}
        total = format_vnd(payment.get("total_vnd"))
        method = _payment_method(payment.get("method") or "")
        receipt = str(data.get("receipt_number") or "")
        # Paid through a gateway, the number recorded is the payment's merchant reference; the
        # receipt is the electronic one, numbered apart (one receipt, one number).
        online = getattr(PAYMENT_METHODS.get(payment.get("method") or ""), "online", False)
        paid = (
            _("Đã nộp phí, lệ phí %(total)s") % {"total": total}
            if total
            else _("Đã nộp phí, lệ phí")
        )
        extra = ", ".join(
            x
            for x in (
                (_("mã thanh toán %(n)s") if online else _("biên lai số %(n)s")) % {"n": receipt}
                if receipt
                else "",
                method.lower() if method else "",
            )
            if x
        )
        sentence = _join(f"{paid} ({extra})" if extra else paid, _resumed(data))
    elif action == Action.STOP:
        cls = _on_time(data.get("on_time_class") or "")
        sentence = _join(
            _("Hồ sơ bị dừng xử lý"),
            _reason(reason),
            _("Kết thúc %(cls)s") % {"cls": cls} if cls else "",
        )
        note_used = True
    elif action == Action.APPROVE:
        files = [str(f) for f in data.get("result_files") or [] if str(f).strip()]
        details = tuple(_("Tệp kết quả: %(name)s") % {"name": f} for f in files)
        sentence = _(
            "Lãnh đạo đã phê duyệt kết quả giải quyết; kết quả chuyển về bộ phận một cửa để trả cho "
            "người nộp."
        )
    elif action == Action.RETURN_RESULT:
        method = _return_method(data.get("method") or "")
        recipient = str(data.get("delivered_to") or data.get("recipient") or "")
        cls = _on_time(data.get("on_time_class") or "")
        head = _("Kết quả đã được trả")
        if method:
            head += _(", hình thức: %(method)s") % {"method": method.lower()}
        if recipient:
            head = text_join("", (head, quoting(_(", người nhận: %(name)s"), {"name": recipient})))
        sentence = _join(head, _("Hồ sơ hoàn thành %(cls)s") % {"cls": cls} if cls else "")
    elif action == Action.APOLOGY:
        new = format_when(data.get("new_due_at"))
        original = format_when(data.get("original_due_at"))
        sentence = _join(
            _("Cơ quan xin lỗi vì chưa trả kết quả đúng hẹn; hẹn lại ngày trả kết quả %(new)s")
            % {"new": new}
            if new
            else _("Cơ quan xin lỗi vì chưa trả kết quả đúng hẹn"),
            _("Ngày hẹn ban đầu: %(original)s") % {"original": original} if original else "",
            _reason(reason),
        )
        note_used = True
    elif action == Action.CHOOSE_RETURN:
        chosen = _return_method(data.get("return_method") or "")
        where = str(data.get("return_address") or "").strip()
        sentence = _join(
            _("Người nộp chọn nhận kết quả: %(method)s") % {"method": chosen.lower()}
            if chosen
            else _("Người nộp thay đổi hình thức nhận kết quả"),
            quoting(_("Địa chỉ nhận: %(address)s"), {"address": where}) if where else "",
        )
    else:
        sentence = _join(action_label(action))

    if note and not note_used:
        sentence = _join(sentence, quoting(_("Ghi chú: %(note)s"), {"note": note}))
    status = ""
    if event.from_state != event.to_state:
        status = _("%(from)s → %(to)s") % {
            "from": state_label(event.from_state),
            "to": state_label(event.to_state),
        }
    return EventText(title=action_label(action), sentence=sentence, details=details, status=status)


def events_describe(*, events) -> list[tuple[Any, EventText]]:
    """``(event, words)`` for each event, in order (for the timeline templates)."""
    return [(e, event_describe(event=e)) for e in events]


__all__ = ["EventText", "event_describe", "events_describe", "format_when"]
