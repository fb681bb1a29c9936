from .models import Notification


def messages_for_user(*, user):
    return Notification.objects.filter(
        recipient=user, channel=Notification.Channel.IN_APP
    ).order_by("-created_at", "-id")
