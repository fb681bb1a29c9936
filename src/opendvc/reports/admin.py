from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .indicators import validate_expression
from .models import IndicatorSet, Report, Urge

REQUIRED_KEYS = ("code", "name", "numerator", "denominator", "formula", "exact")


class IndicatorSetForm(forms.ModelForm):
    class Meta:
        model = IndicatorSet
        fields = ("version", "title", "basis", "valid_from", "definitions", "note")

    def clean_definitions(self):
        value = self.cleaned_data["definitions"]
        if not isinstance(value, list) or not all(isinstance(d, dict) for d in value):
            raise ValidationError(_("Định nghĩa phải là một danh sách các chỉ số (JSON)."))
        problems = []
        for n, d in enumerate(value, start=1):
            missing = [k for k in REQUIRED_KEYS if k not in d]
            if missing:
                problems.append(
                    _("Chỉ số %(n)s thiếu: %(keys)s") % {"n": n, "keys": ", ".join(missing)}
                )
            not_text = [k for k in ("code", "name") if k in d and not isinstance(d[k], str)]
            if not_text:
                problems.append(
                    _("Chỉ số %(n)s: %(keys)s phải là chuỗi ký tự (đặt trong dấu ngoặc kép).")
                    % {"n": n, "keys": ", ".join(not_text)}
                )
            bad = validate_expression(str(d.get("numerator", ""))) + validate_expression(
                str(d.get("denominator", ""))
            )
            if bad:
                problems.append(
                    _("Chỉ số %(n)s: tên số liệu không tồn tại: %(names)s")
                    % {"n": n, "names": ", ".join(bad)}
                )
        if problems:
            raise ValidationError(problems)
        return value


@admin.register(IndicatorSet)
class IndicatorSetAdmin(admin.ModelAdmin):
    """Indicator definitions are edited here. A set used by a report is not changed any more: save it as
    a new version ("Lưu thành bản mới") instead, so old reports keep what they were computed with."""

    list_display = ("version", "title", "valid_from", "created_at")
    form = IndicatorSetForm
    save_as = True

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and Report.objects.filter(indicator_set=obj).exists():
            return ("version", "valid_from", "definitions")
        return ()


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = (
        "kind",
        "period_label",
        "agency",
        "status",
        "submission",
        "data_version",
        "created_at",
    )
    list_filter = ("kind", "status", "submission")
    readonly_fields = [f.name for f in Report._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Urge)
class UrgeAdmin(admin.ModelAdmin):
    list_display = ("agency", "sent_by", "sent_at", "recipients")
    readonly_fields = ("agency", "message", "figures", "sent_by", "sent_at", "recipients")

    def has_add_permission(self, request):
        return False
