"""The dossier's domain signal, sent once the transaction of an action commits.

``dossier_acted(sender=Dossier, instance, action, event, from_state, to_state)``: ``event`` is the
``DossierEvent`` (``None`` for the step hand-overs). Listeners (surveys, synchronisation) connect here
instead of to ``post_save``.
"""

from __future__ import annotations

from django.dispatch import Signal

dossier_acted = Signal()

# ``documents_rendered(sender=Dossier, dossier, action, event, documents)``: the PDFs of documents an
# action recorded have just been made (``documents.documents_render``), inside the transaction that
# stores them — out of the action's request, or inside the action when there is no request. The
# signing app signs or seals them there (a refusal rolls the rendering back, and the action with it
# when it runs inside it); the store files them.
documents_rendered = Signal()
