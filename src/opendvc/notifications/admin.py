from django.contrib import admin

from .models import DeliveryLog, Notification


class DeliveryLogInline(admin.TabularInline):
    model = DeliveryLog
    extra = 0
    readonly_fields = ("event", "error", "created_at")
    can_delete = False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "channel", "to_address", "subject", "status", "attempts")
    list_filter = ("channel", "status", "template")
    inlines = [DeliveryLogInline]
    readonly_fields = [f.name for f in Notification._meta.fields]
