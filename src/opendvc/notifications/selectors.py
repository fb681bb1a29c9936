from .models import Notification

# Messages on one page of the inbox.
INBOX_PAGE_SIZE = 20


def messages_for_user(*, user):
    return Notification.objects.filter(
        recipient=user, channel=Notification.Channel.IN_APP
    ).order_by("-created_at", "-id")
