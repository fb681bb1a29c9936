"""What the integrations listen to. Connected to ``acted_in_transaction`` (sent inside the action's
transaction), so the outbox messages of an action commit or roll back with it."""

from __future__ import annotations

from django.conf import settings

from opendvc.dossiers.models import Dossier
from opendvc.feedback.models import Feedback

from .govfeedback.client import govfeedback_answer_messages
from .national import client as _national_client  # noqa: F401 - registers the sender
from .national.messages import national_messages_for
from .onestop import client as _onestop_client  # noqa: F401 - registers the sender
from .onestop import messages as onestop_messages
from .sms import client as _sms_client  # noqa: F401 - registers the sender


def dossier_acted_in_transaction(
    sender, *, instance, action, event, from_state, to_state, actor, system, **kwargs
) -> None:
    if sender is Feedback:
        if action == "answer":
            govfeedback_answer_messages(feedback=instance)
        return
    if sender is not Dossier:
        return
    if settings.NATIONAL_PORTAL_URL:
        national_messages_for(
            dossier=instance,
            action=action,
            from_state=from_state,
            to_state=to_state,
            actor=actor,
            system=system,
            event=event,
        )
    if settings.ONESTOP_URL:
        onestop_messages.onestop_messages_for(
            dossier=instance, action=action, from_state=from_state, to_state=to_state, system=system
        )
