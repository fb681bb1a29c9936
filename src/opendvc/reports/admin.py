from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .indicators import validate_expression
from .models import IndicatorSet, Report, Urge


@admin.register(IndicatorSet)
class IndicatorSetAdmin(admin.ModelAdmin):
    """Indicator definitions are edited here. A set used by a report is not changed any more: save it as
    a new version ("Lưu thành bản mới") instead, so old reports keep what they were computed with."""

    list_display = ("version", "title", "valid_from", "created_at")
    save_as = True

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and Report.objects.filter(indicator_set=obj).exists():
            return ("version", "valid_from", "definitions")
        return ()

    def save_model(self, request, obj, form, change):
        bad = []
        for d in obj.definitions if isinstance(obj.definitions, list) else []:
            bad += validate_expression(d.get("numerator", "")) + validate_expression(d.get("denominator", ""))
        if not isinstance(obj.definitions, list) or bad:
            messages.error(request, _("Tên số liệu không tồn tại: %(names)s") % {"names": ", ".join(bad) or "?"})
            raise ValidationError(bad)
        super().save_model(request, obj, form, change)


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ("kind", "period_label", "agency", "status", "submission", "data_version", "created_at")
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
