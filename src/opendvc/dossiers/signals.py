"""The dossier's domain signal, sent once the transaction of an action commits.

``dossier_acted(sender=Dossier, instance, action, event, from_state, to_state)``: ``event`` is the
``DossierEvent`` (``None`` for the step hand-overs). Listeners (surveys, synchronisation) connect here
instead of to ``post_save``.
"""

from __future__ import annotations

from django.dispatch import Signal

dossier_acted = Signal()
