"""Back-office editing of the catalog (Django admin), with a preview of the public page.

Status changes go through the publish / suspend actions (audited services); saving an edit calls
``record_backoffice_edit`` (derived values, audit, and a new version when published).
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from . import services
from .models import (
    Component,
    FeeItem,
    Field,
    FormFile,
    LegalBasis,
    Procedure,
    ProcedureMethod,
    ProcedureVersion,
    Sector,
    Step,
)


class MethodInline(admin.TabularInline):
    model = ProcedureMethod
    extra = 0


class FeeInline(admin.TabularInline):
    model = FeeItem
    extra = 0


class ComponentInline(admin.StackedInline):
    model = Component
    extra = 0


class StepInline(admin.TabularInline):
    model = Step
    extra = 0


class LegalBasisInline(admin.TabularInline):
    model = LegalBasis
    extra = 0


class FormInline(admin.TabularInline):
    model = FormFile
    extra = 0
    fields = ["name", "file", "uploaded_at"]
    readonly_fields = ["uploaded_at"]


@admin.register(Procedure)
class ProcedureAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "field", "level", "status", "is_synthetic", "preview_link"]
    list_filter = ["status", "level", "sector", "field", "is_synthetic"]
    search_fields = ["code", "name", "search_name"]
    autocomplete_fields = ["agencies"]
    filter_horizontal = ["tiers"]
    readonly_fields = [
        "status",
        "current_version",
        "level",
        "level_source",
        "level_basis",
        "methods_available",
        "has_online",
        "is_synthetic",
        "created_at",
        "updated_at",
        "preview_link",
    ]
    exclude = ["search_name", "search_field", "search_legal", "search_doc", "import_hash"]
    inlines = [MethodInline, FeeInline, ComponentInline, StepInline, LegalBasisInline, FormInline]
    actions = ["publish", "suspend"]
    list_select_related = ["field"]

    @admin.display(description=_("Xem trước"))
    def preview_link(self, obj: Procedure) -> str:
        if not obj.pk:
            return "—"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("catalog:preview", args=[obj.code]),
            _("Xem trang công khai"),
        )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.record_backoffice_edit(
            procedure=form.instance, actor=request.user, request=request
        )

    @admin.action(description=_("Công bố (tạo phiên bản)"))
    def publish(self, request, queryset):
        for procedure in queryset:
            version = services.publish_procedure(
                procedure=procedure, actor=request.user, request=request
            )
            self.message_user(
                request,
                _("Đã công bố %(code)s, phiên bản %(n)s.")
                % {"code": procedure.code, "n": version.number},
            )

    @admin.action(description=_("Tạm ngưng"))
    def suspend(self, request, queryset):
        done, skipped = 0, []
        for procedure in queryset:
            if services.suspend_procedure(
                procedure=procedure,
                actor=request.user,
                reason="Tạm ngưng từ trang quản trị",
                request=request,
            ):
                done += 1
            else:
                skipped.append(procedure.code)
        if done:
            self.message_user(
                request, _("Đã tạm ngưng %(n)s thủ tục.") % {"n": done}, messages.WARNING
            )
        if skipped:
            self.message_user(
                request,
                _("Bỏ qua %(n)s thủ tục đã tạm ngưng từ trước: %(codes)s.")
                % {"n": len(skipped), "codes": ", ".join(skipped)},
                messages.INFO,
            )


@admin.register(ProcedureVersion)
class ProcedureVersionAdmin(admin.ModelAdmin):
    list_display = ["procedure", "number", "published_at", "published_by"]
    readonly_fields = [
        "procedure",
        "number",
        "snapshot",
        "content_hash",
        "published_at",
        "published_by",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Sector)
class SectorAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["name"]


@admin.register(Field)
class FieldAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "sector"]
    search_fields = ["name"]
