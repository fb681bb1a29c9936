"""The prefill panel of the filing page and the officer's comparison with the national databases."""

from __future__ import annotations

from django import template

from ..models import RegistryFetch
from ..services import (
    iter_form_fields,
    population_prefill_ready,
    registry_filled_fields,
    registry_report,
)

register = template.Library()


@register.inclusion_tag("registries/_panel.html")
def registry_panel(dossier):
    """On the applicant's filing page: the consent-first links to fetch, the fields already filled from
    a national database (marked on the form) and, after a failed fetch, the manual-entry note."""
    last = dossier.registry_fetches.order_by("-at", "-pk").first() if dossier else None
    filled = registry_filled_fields(dossier=dossier) if dossier else {}
    labels = {}
    if filled:
        from opendvc.dossiers import eforms_bridge

        definition = getattr(eforms_bridge.version_of(dossier), "definition", None) or {}
        labels = {
            spec["key"]: spec.get("label", spec["key"]) for spec in iter_form_fields(definition)
        }
    return {
        "dossier": dossier,
        "filled": filled,
        "filled_labels": [labels.get(k, k) for k in filled],
        "business": bool(dossier and dossier.acting_for_id),
        "population_ready": bool(dossier) and population_prefill_ready(dossier.applicant),
        "last": last,
        "down": last is not None and last.outcome != RegistryFetch.Outcome.FOUND,
    }


@register.inclusion_tag("registries/_officer.html")
def registry_officer_panel(dossier, definition=None):
    """For the officer: each fetch (with consent time) and each declared value that differs from the
    registry's."""
    if definition is None:
        from opendvc.dossiers import eforms_bridge

        definition = getattr(eforms_bridge.version_of(dossier), "definition", None) or {}
    return {"report": registry_report(dossier=dossier, definition=definition)}


@register.filter
def registry_value(value):
    """An address ``{province, ward, street}`` as one line with the unit names; other values as text."""
    if isinstance(value, dict) and {"province", "ward"} <= set(value):
        from opendvc.eforms.engine import units

        provinces, wards = units()
        ward = wards.get(int(value.get("ward") or 0), ("", 0))[0]
        province = provinces.get(int(value.get("province") or 0), "")
        return ", ".join(p for p in (str(value.get("street") or ""), ward, province) if p)
    return "" if value is None else str(value)
