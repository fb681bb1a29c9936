"""Forms of the yearly calendar page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .calendar import MAX_YEAR, MIN_YEAR
from .models import CalendarDay
from .services import NAME_MAX, REASON_MAX


def _check_range(value):
    if value and not MIN_YEAR <= value.year <= MAX_YEAR:
        raise forms.ValidationError(
            _("Ngày phải nằm trong các năm %(lo)s–%(hi)s."), params={"lo": MIN_YEAR, "hi": MAX_YEAR}
        )


class SetDayForm(forms.Form):
    date = forms.DateField(
        label=_("Ngày"),
        help_text=_("Dạng dd/mm/yyyy, ví dụ 31/08/2026."),
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        error_messages={
            "required": _("Cần nhập ngày."),
            "invalid": _("Ngày không hợp lệ; dùng dạng dd/mm/yyyy."),
        },
        validators=[_check_range],
    )
    kind = forms.ChoiceField(
        label=_("Loại ngày"),
        choices=CalendarDay.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Cần chọn loại ngày.")},
    )
    name = forms.CharField(
        label=_("Tên ngày"),
        max_length=NAME_MAX,
        help_text=_("Ví dụ: Nghỉ bù Quốc khánh, Làm việc bù cho ngày 31/08/2026."),
        error_messages={"required": _("Cần nhập tên ngày.")},
    )
    reason = forms.CharField(
        label=_("Lý do, căn cứ"),
        max_length=REASON_MAX,
        required=False,
        help_text=_("Ví dụ: Thông báo số …/TB-BNV của Bộ Nội vụ."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RemoveDayForm(forms.Form):
    date = forms.DateField(
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        validators=[_check_range],
        error_messages={"required": _("Cần chọn ngày."), "invalid": _("Ngày không hợp lệ.")},
    )
    reason = forms.CharField(label=_("Lý do xóa"), max_length=REASON_MAX, required=False)
