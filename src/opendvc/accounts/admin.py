from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import DeletionRequest, Membership, Organisation, PersonProfile, User, UserSession


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Phone numbers are shown masked; the unmasked value is only on the audited back-office page."""

    ordering = ("email",)
    list_display = ("email", "phone_masked", "full_name", "is_staff", "is_active", "date_joined")
    search_fields = ("email", "full_name")
    readonly_fields = ("public_id", "phone_masked", "date_joined", "last_login")
    fieldsets = (
        (None, {"fields": ("public_id", "email", "phone_masked", "password")}),
        ("Thông tin", {"fields": ("full_name", "language")}),
        (
            "Quyền",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Thời gian", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    @admin.display(description="Số điện thoại")
    def phone_masked(self, obj):
        return obj.phone_masked


@admin.register(PersonProfile)
class PersonProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "cccd_masked", "date_of_birth", "gender", "updated_at")
    search_fields = ("user__email", "user__full_name")
    readonly_fields = ("public_id", "user", "cccd_masked")
    exclude = ("cccd_ciphertext", "cccd_hash")

    @admin.display(description="Số CCCD")
    def cccd_masked(self, obj):
        return obj.cccd_masked


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "tax_code", "verified_at", "legal_representative", "created_at")
    list_filter = (("verified_at", admin.EmptyFieldListFilter),)
    search_fields = ("name", "tax_code")
    inlines = [MembershipInline]
    # Verification is the business registry's word (registries.services.organisation_verify): it is
    # not set by hand, and a verified organisation keeps the tax code, name and representative the
    # registry gave it.
    readonly_fields = ("verified_at", "verified_by")

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if obj is not None and obj.verified:
            return (*fields, "tax_code", "name", "legal_representative")
        return fields


@admin.register(UserSession)
class UserSessionAdmin(admin.ModelAdmin):
    list_display = ("user", "ip_address", "created_at", "last_seen_at")
    search_fields = ("user__email",)


@admin.register(DeletionRequest)
class DeletionRequestAdmin(admin.ModelAdmin):
    list_display = ("user", "status", "created_at", "handled_at", "handled_by")
    list_filter = ("status",)
    readonly_fields = ("user", "reason", "status", "created_at", "handled_at", "handled_by", "note")
