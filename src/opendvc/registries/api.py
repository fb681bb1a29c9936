"""Prefill from the national databases over the API: the applicant confirms consent, names the
identifier (CCCD or tax code) and the values fill their own draft dossier's form — the same service as
the prefill page (``services.registry_prefill``: consent recorded, the fetch in the access log, cached
per dossier). When the registry is down or has no record, nothing is filled and ``note`` says to enter
the values by hand. The identifier must be the applicant's own (their CCCD on their account, the tax
code of the organisation the dossier is filed for): any other is refused with 422 before the registry
is asked (``services._check_own``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from django.http import Http404
from ninja import Router, Schema

from opendvc.accounts.selectors import organisation_for_member
from opendvc.api.auth import require_scope
from opendvc.api.schemas import problems
from opendvc.dossiers import eforms_bridge
from opendvc.dossiers.lifecycle import State
from opendvc.dossiers.models import Dossier
from opendvc.dossiers.services import dossier_update_draft

from .models import RegistryFetch
from .services import CONSENT_TEXT, SOURCE_LABEL, organisation_verify, registry_prefill

router = Router(tags=["CSDL quốc gia"])

EDITABLE = (State.DRAFT, State.RETURNED_FOR_COMPLETION)


class RegistryPrefillIn(Schema):
    registry: Literal["population", "business"]
    identifier: str
    consent: bool = False


class RegistryPrefillOut(Schema):
    registry: str
    outcome: str
    source: str
    consent_text: str
    cached: bool
    note: str
    values: dict[str, Any]


@router.post(
    "/dossiers/{public_id}/registry-prefill",
    response={200: RegistryPrefillOut, **problems(404, 422)},
    summary="Điền tờ khai từ CSDL quốc gia (có xác nhận đồng ý của người nộp)",
)
def registry_prefill_api(request, public_id: UUID, payload: RegistryPrefillIn):
    """``consent`` must be true (422 with ``errors[0].path == "consent"`` otherwise). ``outcome``:
    ``found`` (``values`` written into the draft's form, marked as from the national database),
    ``not_found`` or ``unavailable`` (nothing filled; ``note`` says to enter the values by hand)."""
    require_scope(request, "dossiers:write")
    dossier = (
        Dossier.objects.select_related("procedure")
        .filter(public_id=public_id, applicant=request.user, status__in=EDITABLE)
        .first()
    )
    if dossier is None:
        raise Http404
    form_version = eforms_bridge.version_of(dossier)
    definition = getattr(form_version, "definition", None) or {}
    result = registry_prefill(
        dossier=dossier,
        user=request.user,
        registry=payload.registry,
        identifier=payload.identifier,
        consent=payload.consent,
        definition=definition,
        request=request,
    )
    if result.outcome == RegistryFetch.Outcome.FOUND and result.values:
        dossier_update_draft(
            dossier=dossier,
            actor=request.user,
            form_data={**(dossier.form_data or {}), **result.values},
            request=request,
        )
    return RegistryPrefillOut(
        registry=payload.registry,
        outcome=result.outcome,
        source=str(SOURCE_LABEL[payload.registry]),
        consent_text=str(CONSENT_TEXT[payload.registry]),
        cached=result.cached,
        note=str(result.note or ""),
        values=result.values,
    )


class OrganisationVerificationOut(Schema):
    public_id: str
    tax_code: str
    name: str
    legal_representative: str
    verified: bool
    verified_at: datetime | None


@router.post(
    "/accounts/organisations/{public_id}/verification",
    response={200: OrganisationVerificationOut, **problems(403, 404, 409, 422, 503)},
    summary="Xác thực mã số thuế của tổ chức với CSDL quốc gia về đăng ký doanh nghiệp",
)
def organisation_verification_api(request, public_id: UUID):
    """The organisation's representative verifies its tax code: the national business registry must
    name, as its legal representative, the CCCD that the national electronic identity verified on
    the caller's account. 422 ``cccd_unverified`` (sign in with the electronic identity first),
    ``not_on_record``, ``not_representative``; 409 when another organisation verified the tax code
    first; 503 when the registry cannot be reached. Verified, the organisation carries the registry's
    name and representative. Calling it again answers the same."""
    require_scope(request, "accounts:write")
    organisation = organisation_for_member(user=request.user, public_id=public_id)
    organisation = organisation_verify(user=request.user, organisation=organisation, request=request)
    return OrganisationVerificationOut(
        public_id=str(organisation.public_id),
        tax_code=organisation.tax_code,
        name=organisation.name,
        legal_representative=organisation.legal_representative,
        verified=organisation.verified,
        verified_at=organisation.verified_at,
    )
