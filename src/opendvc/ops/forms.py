from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Severity, Status


class IncidentOpenForm(forms.Form):
    title = forms.CharField(label=_("Tiêu đề"), max_length=200)
    severity = forms.ChoiceField(
        label=_("Mức độ"), choices=Severity.choices, initial=Severity.MAJOR
    )
    affected_services = forms.CharField(
        label=_("Dịch vụ bị ảnh hưởng"),
        max_length=500,
        help_text=_(
            "Mỗi dịch vụ cách nhau bằng dấu phẩy, ví dụ: Nộp hồ sơ trực tuyến, Thanh toán trực tuyến"
        ),
    )
    started_at = forms.DateTimeField(
        label=_("Bắt đầu lúc (dd/mm/yyyy hh:mm)"),
        required=False,
        input_formats=["%d/%m/%Y %H:%M", "%Y-%m-%dT%H:%M"],
        help_text=_("Để trống nếu vừa xảy ra."),
    )
    message = forms.CharField(label=_("Mô tả"), widget=forms.Textarea(attrs={"rows": 4}))


class IncidentUpdateForm(forms.Form):
    status = forms.ChoiceField(label=_("Trạng thái mới"), choices=Status.choices)
    severity = forms.ChoiceField(
        label=_("Mức độ"), choices=[("", _("(giữ nguyên)")), *Severity.choices], required=False
    )
    message = forms.CharField(
        label=_("Nội dung cập nhật (khi giải quyết: cách giải quyết)"),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
