"""The admin of the linked procedures: the bundles with their members (which office takes each part)
and, per receiving commune, the police and social insurance offices that take the parts."""

from django.contrib import admin

from .models import LinkedMember, LinkedProcedure, MemberAgency


@admin.register(MemberAgency)
class MemberAgencyAdmin(admin.ModelAdmin):
    list_display = ("receiving_agency", "role", "agency")
    list_filter = ("role",)
    search_fields = ("receiving_agency__name", "receiving_agency__code", "agency__name")
    autocomplete_fields = ("receiving_agency", "agency")


class LinkedMemberInline(admin.StackedInline):
    model = LinkedMember
    extra = 0
    fields = (
        "position",
        "key",
        "name",
        "procedure",
        "agency_role",
        "agency",
        "agency_label",
        "allotment_amount",
        "allotment_unit",
        "allotment_basis",
        "after",
        "handoff_amount",
        "handoff_unit",
        "result_name",
    )
    autocomplete_fields = ("agency",)
    raw_id_fields = ("procedure",)


@admin.register(LinkedProcedure)
class LinkedProcedureAdmin(admin.ModelAdmin):
    list_display = ("name", "key", "procedure", "completion_rule", "is_active")
    list_filter = ("is_active", "completion_rule")
    search_fields = ("name", "key")
    raw_id_fields = ("procedure",)
    inlines = [LinkedMemberInline]
