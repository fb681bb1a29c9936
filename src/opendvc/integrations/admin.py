from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import (
    Delivery,
    Destination,
    InboundMessage,
    Message,
    NationalChannelMap,
    NationalStatusMap,
)
from .national.mapping import PRIVATE_STATES, mapping_problems


class StatusMapForm(forms.ModelForm):
    class Meta:
        model = NationalStatusMap
        fields = ["state", "code"]

    def clean(self):
        data = super().clean()
        state, code = data.get("state") or getattr(self.instance, "state", ""), data.get("code")
        if state in PRIVATE_STATES and code is not None:
            raise ValidationError(_("Bản nháp không được gửi lên Cổng DVC quốc gia: để trống mã."))
        if state and state not in PRIVATE_STATES and code is None:
            raise ValidationError(_("Trạng thái này cần một mã từ 1 đến 10."))
        return data


class MappingAdmin(admin.ModelAdmin):
    """Rows are seeded for every state/channel: edited, never deleted; a missing one can be added."""

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        for problem in mapping_problems():
            self.message_user(request, problem["message"], level="error")
        return super().changelist_view(request, extra_context)


@admin.register(NationalStatusMap)
class NationalStatusMapAdmin(MappingAdmin):
    form = StatusMapForm
    list_display = ("state", "code")
    list_editable = ("code",)


@admin.register(NationalChannelMap)
class NationalChannelMapAdmin(MappingAdmin):
    list_display = ("channel", "code")
    list_editable = ("code",)


@admin.register(Destination)
class DestinationAdmin(admin.ModelAdmin):
    list_display = ("code", "paused", "paused_at", "held_until")


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    readonly_fields = (
        "destination",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "answer",
        "delivered_at",
    )
    fields = readonly_fields


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ("message_id", "kind", "ordering_key", "created_at")
    search_fields = ("message_id", "ordering_key")
    list_filter = ("kind",)
    readonly_fields = ("message_id", "kind", "ordering_key", "payload", "created_at")
    inlines = [DeliveryInline]


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    list_display = ("received_at", "peer", "message_id", "outcome", "code")
    list_filter = ("peer", "outcome", "code")
    readonly_fields = ("peer", "message_id", "outcome", "code", "detail", "body", "received_at")
