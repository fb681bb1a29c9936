"""Handlers of the hand-overs between the internal steps (``claim``, ``forward``, ``send_back``): rows of
the action table that do not move the dossier's state. The engine locks the dossier and checks that the
actor holds the open step (``workflow.services.holds_turn``); the steps record who, when and whether
it was on time (``opendvc.workflow``)."""

from __future__ import annotations

from opendvc.core.statemachine import Outcome
from opendvc.workflow import services as workflow


def on_claim(dossier, inputs, *, now, role, actor) -> Outcome:
    return Outcome(
        audit=workflow.step_claim(dossier=dossier, actor=actor, now=now, step=inputs.get("step"))
    )


def on_forward(dossier, inputs, *, now, role, actor) -> Outcome:
    return Outcome(
        audit=workflow.step_forward(
            dossier=dossier,
            actor=actor,
            now=now,
            note=inputs.get("note", ""),
            step=inputs.get("step"),
        )
    )


def on_send_back(dossier, inputs, *, now, role, actor) -> Outcome:
    return Outcome(
        audit=workflow.step_send_back(
            dossier=dossier, actor=actor, now=now, reason=inputs["reason"], step=inputs.get("step")
        )
    )
