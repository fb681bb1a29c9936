"""The dossier lifecycle's vocabulary: states, actions, roles, documents and the national status codes.

States and documents follow DOMAIN.md "Dossier states" (national status codes in ``NATIONAL_STATUS``
are those used when syncing with the national portal). The actions' table (from which states, who,
which inputs, handler, notice, documents) is ``services.transitions.ACTIONS``; every change of
``Dossier.status`` goes through ``services.dossier_act``.

Legal sources: Regulation (QĐ 31/2020/QĐ-UBND) Art. 6 (the applicant files online), Art. 13.4
(officers receive online dossiers on working days), Art. 14.4 (the applicant supplements or amends);
Decree 61/2018/NĐ-CP Art. 15 (return for completion lists every missing item once, refusal states the
reason) and Art. 19 (receipt with the appointment date).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    DRAFT = "draft", _("Đang soạn")
    SUBMITTED = "submitted", _("Đã nộp, chờ tiếp nhận")
    RETURNED_FOR_COMPLETION = "returned_for_completion", _("Yêu cầu bổ sung, hoàn thiện")
    REFUSED = "refused", _("Từ chối tiếp nhận")
    RECEIVED = "received", _("Đã tiếp nhận")
    PROCESSING = "processing", _("Đang xử lý")
    SUPPLEMENT_REQUESTED = "supplement_requested", _("Chờ bổ sung")
    PAYMENT_REQUIRED = "payment_required", _("Chờ thanh toán phí, lệ phí")
    STOPPED = "stopped", _("Dừng xử lý")
    WITHDRAWN = "withdrawn", _("Đã rút hồ sơ")
    RESULT_READY = "result_ready", _("Có kết quả, chờ trả")
    RETURNED = "returned", _("Đã trả kết quả")
    DELETED = "deleted", _("Đã xóa bản nháp")


class Action(models.TextChoices):
    SUBMIT = "submit", _("Nộp hồ sơ")
    DELETE = "delete", _("Xóa bản nháp")
    RECEIVE = "receive", _("Tiếp nhận")
    RETURN_FOR_COMPLETION = "return_for_completion", _("Yêu cầu bổ sung, hoàn thiện")
    REFUSE = "refuse", _("Từ chối tiếp nhận")
    WITHDRAW = "withdraw", _("Rút hồ sơ")
    RESUBMIT = "resubmit", _("Nộp lại sau khi hoàn thiện")
    START_PROCESSING = "start_processing", _("Chuyển xử lý")
    REQUEST_SUPPLEMENT = "request_supplement", _("Yêu cầu bổ sung giấy tờ")
    SUPPLY = "supply", _("Nộp bổ sung")
    REQUIRE_PAYMENT = "require_payment", _("Yêu cầu nộp phí, lệ phí")
    PAY = "pay", _("Ghi nhận đã thanh toán")
    STOP = "stop", _("Dừng xử lý")
    APPROVE = "approve", _("Phê duyệt kết quả")
    RETURN_RESULT = "return_result", _("Trả kết quả")
    # Not transitions (the state stays), recorded in the history: the apology with a new appointment,
    # and the applicant's choice of how to receive the result (Regulation Art. 6.4).
    APOLOGY = "apology", _("Xin lỗi và hẹn lại ngày trả kết quả")
    CHOOSE_RETURN = "choose_return", _("Chọn hình thức nhận kết quả")


class StepAction(models.TextChoices):
    """Hand-overs between the internal steps (``opendvc.workflow``): rows of the action table that are
    recorded on the steps, not on the dossier's history."""

    CLAIM = "claim", _("Nhận xử lý bước")
    FORWARD = "forward", _("Chuyển bước tiếp theo")
    SEND_BACK = "send_back", _("Trả lại bước trước")


class Role(models.TextChoices):
    """Who acts, relative to one dossier. Staff roles match ``agencies.StaffRole.Role`` values and must
    be held in the dossier's receiving agency (or above it, for leaders and heads)."""

    APPLICANT = "applicant", _("Người nộp hồ sơ")
    RECEIVING_OFFICER = "receiving_officer", _("Cán bộ tiếp nhận (bộ phận một cửa)")
    PROCESSING_OFFICER = "processing_officer", _("Cán bộ xử lý")
    LEADER = "leader", _("Lãnh đạo phê duyệt")
    POSTAL_OPERATOR = "postal_operator", _("Nhân viên bưu chính")
    SYSTEM = "system", _("Hệ thống")
    # Whoever holds (or may claim) the open internal step (``workflow.services.holds_turn``).
    STEP_HOLDER = "step_holder", _("Người phụ trách bước xử lý")


class Document(models.TextChoices):
    """Documents a transition issues (``DossierDocument.kind``)."""

    ACKNOWLEDGEMENT = "acknowledgement", _("Thông báo đã nhận hồ sơ trực tuyến")
    RECEIPT = "receipt", _("Giấy tiếp nhận hồ sơ và hẹn trả kết quả")
    COMPLETION_REQUEST = "completion_request", _("Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ")
    REFUSAL = "refusal", _("Phiếu từ chối tiếp nhận giải quyết hồ sơ")
    SUPPLEMENT_NOTICE = "supplement_notice", _("Thông báo yêu cầu bổ sung giấy tờ")
    PAYMENT_RECEIPT = "payment_receipt", _("Biên lai thu phí, lệ phí")
    STOP_NOTICE = "stop_notice", _("Thông báo dừng xử lý hồ sơ")
    RESULT = "result", _("Kết quả giải quyết")
    DELIVERY_RECORD = "delivery_record", _("Biên bản trả kết quả")
    APOLOGY = "apology", _("Phiếu xin lỗi và hẹn lại ngày trả kết quả")


# National status codes (TrangThaiHoSo 1–10) used when syncing; drafts and deleted drafts never leave
# the portal.
NATIONAL_STATUS: dict[str, int | None] = {
    State.DRAFT: None,
    State.DELETED: None,
    State.SUBMITTED: 1,
    State.RECEIVED: 2,
    State.REFUSED: 3,
    State.RETURNED_FOR_COMPLETION: 1,
    State.PROCESSING: 4,
    State.SUPPLEMENT_REQUESTED: 5,
    State.PAYMENT_REQUIRED: 6,
    State.WITHDRAWN: 7,
    State.STOPPED: 8,
    State.RESULT_READY: 9,
    State.RETURNED: 10,
}

# States after which nothing happens any more.
FINAL_STATES = frozenset({State.REFUSED, State.STOPPED, State.WITHDRAWN, State.RETURNED, State.DELETED})
# States where the processing clock runs (an open dossier with a due date).
OPEN_STATES = frozenset({State.RECEIVED, State.PROCESSING, State.RESULT_READY})
# States where the clock is paused, waiting for the applicant (DOMAIN.md, configurable per procedure).
PAUSED_STATES = frozenset({State.SUPPLEMENT_REQUESTED, State.PAYMENT_REQUIRED})
# States whose entry marks the end of handling (``finished_at``).
FINISHING_STATES = frozenset({State.REFUSED, State.STOPPED, State.WITHDRAWN, State.RETURNED})
# Final states in which the agency did not and will not deliver the service: refused at reception,
# withdrawn by the applicant, processing stopped, a deleted draft (the fees paid for it are given back,
# ``payments.services.refund_allowed``).
UNDELIVERED_STATES = frozenset({State.REFUSED, State.WITHDRAWN, State.STOPPED, State.DELETED})


def state_label(state: str) -> str:
    return str(State(state).label) if state in State.values else state


def action_label(action: str) -> str:
    return str(Action(action).label) if action in Action.values else action
