"""The feedback's domain signal, sent once the transaction of an action commits:
``feedback_acted(sender=Feedback, instance, action, event, from_state, to_state)``."""

from __future__ import annotations

from django.dispatch import Signal

feedback_acted = Signal()
