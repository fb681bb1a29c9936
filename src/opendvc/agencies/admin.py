from django.contrib import admin
from django.db import models

from .models import Agency, StaffRole, Tier


@admin.register(Tier)
class TierAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "rank")


class StaffRoleInline(admin.TabularInline):
    model = StaffRole
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "short_name",
        "tier",
        "parent",
        "processing_backend",
        "is_active",
    )
    list_filter = ("tier", "processing_backend", "is_active")
    search_fields = ("code", "name", "short_name")
    inlines = [StaffRoleInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(StaffRole)
class StaffRoleAdmin(admin.ModelAdmin):
    list_display = ("user", "agency", "role", "is_active", "granted_at")
    list_filter = ("role", "is_active")
    search_fields = ("user__email", "user__full_name", "agency__code", "agency__name")
    autocomplete_fields = ("user", "agency")
