"""Actions of ``POST /api/v1/dossiers/{code}/actions`` that are not rows of the transition table: the
apology with a new appointment (``late``) and the step hand-overs of the internal process
(``opendvc.workflow``). Everything else goes to ``dossier_transition``."""

from __future__ import annotations

from typing import Any

from opendvc.core.problems import ProblemError

from .lifecycle import Action

EXTRA_ACTIONS = frozenset({Action.APOLOGY, "claim", "forward", "send_back"})
ALLOWED_INPUTS = {
    Action.APOLOGY: {"reason", "new_due_at"},
    "claim": set(),
    "forward": {"note"},
    "send_back": {"reason"},
}


def extra_action(*, request, dossier, action: str, inputs: dict[str, Any]) -> None:
    """Run one extra action; unknown inputs are refused (422) as for the transitions."""
    from opendvc.workflow import services as wf

    from . import late

    unknown = sorted(set(inputs) - ALLOWED_INPUTS[action])
    if unknown:
        raise ProblemError("validation_error", f"Thao tác “{action}” không nhận các trường: {', '.join(unknown)}.",
                           extra={"errors": [{"path": k, "message": "Trường không dùng cho thao tác này."}
                                             for k in unknown]})
    user = request.user
    if action == Action.APOLOGY:
        late.dossier_apologise(dossier=dossier, actor=user, reason=inputs.get("reason", ""),
                               new_due_at=inputs.get("new_due_at"), request=request)
    elif action == "claim":
        wf.step_claim(dossier=dossier, actor=user, request=request)
    elif action == "forward":
        wf.step_forward(dossier=dossier, actor=user, note=inputs.get("note", ""), request=request)
    else:
        wf.step_send_back(dossier=dossier, actor=user, reason=inputs.get("reason", ""), request=request)
