"""Reports in the API: the public transparency figures (no personal data) and, for staff with the
``read`` scope, the figures of a period for the agencies they may see."""

from __future__ import annotations

from typing import Annotated, Any

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from pydantic import BeforeValidator, ConfigDict

from opendvc.agencies.selectors import has_any_role, visible_agency_ids
from opendvc.api.auth import require_scope
from opendvc.api.schemas import problems
from opendvc.core.problems import ProblemError

from . import figures as F
from . import selectors
from .indicators import shown_text
from .periods import current_quarter, period_of

router = Router(tags=["Báo cáo"])


class TransparencyRow(Schema):
    agency: str
    to_handle: int
    late: int
    on_time_rate: float | None = Field(description="Phần trăm; null khi không có hồ sơ")
    received_l34: int
    received_online_l34: int
    online_rate: float | None
    survey_answers: int
    satisfied: int
    satisfaction_rate: float | None


class TransparencyPeriod(Schema):
    label: str
    start: str = Field(description="Ngày đầu kỳ (ISO 8601)")
    end: str = Field(description="Ngày cuối kỳ (ISO 8601)")
    agencies: list[TransparencyRow]


class TransparencyOut(Schema):
    current: TransparencyPeriod
    previous: TransparencyPeriod


class TransparencyQuery(Schema):
    period: str = Field(
        "", description="Kỳ: 2026-Q1, 2026-H1, 2026 hoặc 2026-03; để trống: quý hiện tại"
    )


def _block(period) -> dict[str, Any]:
    rows = selectors.transparency(period=period)
    return {
        "label": period.label,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "agencies": [{k: v for k, v in r.items() if k != "agency_id"} for r in rows],
    }


@router.get(
    "/transparency",
    auth=None,
    response={200: TransparencyOut, **problems(422)},
    summary="Công khai: tỷ lệ đúng hạn, trực tuyến, hài lòng theo cơ quan (kỳ này và kỳ trước)",
)
def transparency(request, q: Query[TransparencyQuery]):
    """Counts and rates per agency for a period and the one before it; no personal data (Regulation
    Art. 4.8). A malformed ``period`` is a 422 problem naming ``period``."""
    period = period_of(q.period) if q.period else current_quarter()
    selectors.fresh()
    return {"current": _block(period), "previous": _block(period.previous())}


class FiguresQuery(Schema):
    period: str = Field(..., description="Kỳ: 2026-Q1, 2026-H1, 2026 hoặc 2026-03")
    as_of: str = Field("", description="Số liệu tính đến ngày (YYYY-MM-DD), trong kỳ")
    by: str = Field(
        "agency", description="Nhóm theo: agency, field, procedure, tier, level, channel"
    )


class FiguresPeriod(Schema):
    label: str
    start: str = Field(description="Ngày đầu kỳ (ISO 8601)")
    end: str = Field(description="Ngày cuối kỳ (ISO 8601)")
    as_of: str = Field(description="Thời điểm chốt số liệu (ISO 8601, giờ Việt Nam)")


class FiguresTable(Schema):
    rows: list[dict[str, Any]] = Field(
        description="Một dòng mỗi nhóm: `key` (mã nhóm), `label` (tên hiển thị) và các số đếm"
    )
    total: dict[str, Any] = Field(description="Các số đếm cộng cho mọi dòng")


def _text_or_none(value: Any) -> Any:
    # The definitions are data an administrator edits (JSON): a number typed where a text belongs reads
    # as its text; a list or an object there is not a text and reads as absent.
    if value is None or isinstance(value, str):
        return value
    return str(value) if isinstance(value, int | float) else None


def _number_or_none(value: Any) -> Any:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    try:
        return float(str(value).replace(",", "."))
    except ValueError:
        return None


def _flag_or_none(value: Any) -> Any:
    return value if isinstance(value, bool) else None


Text = Annotated[str | None, BeforeValidator(_text_or_none)]


class IndicatorFigure(Schema):
    """Một chỉ số của bộ chỉ số đang áp dụng: định nghĩa của bộ (mã, tên, nhóm, điểm, công thức, căn
    cứ…) và giá trị tính được. Tên, công thức và ghi chú của bộ chỉ số mặc định theo ngôn ngữ của yêu
    cầu; nội dung quản trị viên nhập giữ nguyên."""

    model_config = ConfigDict(extra="allow")

    code: Text = None
    name: Text = None
    group: Text = Field(None, description="Nhóm chỉ số")
    points: Annotated[float | None, BeforeValidator(_number_or_none)] = Field(None, description="Điểm tối đa")
    numerator: Text = Field(None, description="Biểu thức tử số: tên các số đếm của `figure_labels`, cộng, trừ")
    denominator: Text = Field(None, description="Biểu thức mẫu số")
    formula: Text = Field(None, description="Công thức, bằng lời")
    basis: Text = Field(None, description="Căn cứ")
    exact: Annotated[bool | None, BeforeValidator(_flag_or_none)] = Field(
        None, description="false: công thức gần đúng (xem `note`)"
    )
    note: Text = Field(None, description="Ghi chú")
    numerator_value: float | None = Field(description="Giá trị tử số; null khi chỉ số không có tử số")
    denominator_value: float | None = Field(description="Giá trị mẫu số")
    value: float | None = Field(description="Phần trăm; null khi mẫu số bằng 0 hoặc không có")


class IndicatorSetRef(Schema):
    version: str
    title: str


class Figures(Schema):
    period: FiguresPeriod
    dimension: str = Field(description="Cách nhóm hồ sơ: agency, field, procedure, tier, level, channel")
    dossiers: FiguresTable = Field(description="Hồ sơ theo cách nhóm đã chọn")
    feedback: FiguresTable = Field(description="Phản ánh, kiến nghị theo cơ quan")
    feedback_channels: FiguresTable = Field(description="Phản ánh, kiến nghị theo kênh tiếp nhận")
    surveys: FiguresTable = Field(description="Khảo sát mức độ hài lòng theo cơ quan")
    indicators: list[IndicatorFigure]
    indicator_set: IndicatorSetRef
    figure_labels: dict[str, str] = Field(
        description="Tên của từng số đếm trong `rows` và `total` (ví dụ `to_handle`: Tổng số hồ sơ "
        "phải giải quyết), theo ngôn ngữ của yêu cầu"
    )


@router.get(
    "/reports/figures",
    response={200: Figures, **problems(403, 422)},
    summary="Số liệu báo cáo của một kỳ (hồ sơ, phản ánh, khảo sát, chỉ số)",
)
def figures(request, q: Query[FiguresQuery]):
    """Staff: the figures of the agencies they may see (oversight roles: the whole province), as of
    ``as_of``; each figure is counted from dated events and frozen classes."""

    require_scope(request, "read")
    user = request.user
    if not (user.is_superuser or has_any_role(user, selectors.REPORT_ROLES)):
        raise ProblemError(
            "permission_denied",
            _("Chỉ lãnh đạo cơ quan và cơ quan giám sát được xem số liệu báo cáo."),
            status=403,
        )
    if q.by not in F.DIMENSIONS or not q.by:
        raise ProblemError(
            "validation_error",
            _("Cách nhóm số liệu không hợp lệ."),
            extra={
                "errors": [
                    {
                        "path": "by",
                        "message": _("Chọn một trong: %(s)s.") % {"s": "agency, field, procedure, tier, level, channel"},
                    }
                ]
            },
        )
    period = period_of(q.period)
    selectors.fresh()
    scope = None
    if not (user.is_superuser or has_any_role(user, selectors.OVERSIGHT_ROLES)):
        scope = sorted(visible_agency_ids(user) or [])
    figures = selectors.period_figures(
        period=period, as_of=q.as_of or None, dimension=q.by, agency_ids=scope
    )
    return {
        **figures,
        "indicators": [_in_language(i) for i in figures["indicators"]],
        "indicator_set": {**figures["indicator_set"], "title": shown_text(figures["indicator_set"]["title"])[0]},
        "figure_labels": {name: str(label) for name, label in F.FIGURES.items()},
    }


# The texts of an indicator's definition that a person reads.
_TEXTS = ("name", "formula", "note")


def _in_language(indicator: dict[str, Any]) -> dict[str, Any]:
    """``indicator`` with the texts of the shipped set in the request's language (as the reports page
    shows them); texts an administrator typed stay as typed."""
    return {
        **indicator,
        **{k: shown_text(indicator[k])[0] for k in _TEXTS if isinstance(indicator.get(k), str) and indicator[k]},
    }
