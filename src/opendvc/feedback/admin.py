from django.contrib import admin

from .models import Feedback, FeedbackEvent, PublishedAnswer, QuarantinedEmail


class EventInline(admin.TabularInline):
    model = FeedbackEvent
    extra = 0
    can_delete = False
    readonly_fields = (
        "created_at",
        "action",
        "from_status",
        "to_status",
        "actor",
        "actor_role",
        "note",
    )
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    """Read-only here: every change goes through the back-office pages and their service."""

    list_display = ("code", "subject", "channel", "status", "agency", "due_at")
    list_filter = ("status", "channel", "kind")
    search_fields = ("code", "subject")
    inlines = [EventInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(QuarantinedEmail)
class QuarantinedEmailAdmin(admin.ModelAdmin):
    list_display = ("received_at", "from_header", "subject", "reason_code")
    list_filter = ("reason_code",)


@admin.register(PublishedAnswer)
class PublishedAnswerAdmin(admin.ModelAdmin):
    list_display = ("title", "agency", "published_at", "is_public")
