"""Prefill from the national registries, with the applicant's consent.

``registry_prefill`` is the one entry: it records the consent, looks the identifier up (over HTTP, in
the registry's adapter), keeps the answer for this dossier only, writes the applicant's access log
(``dossiers.DossierAccess``, action ``registry``) and the audit entry, and returns the form values to
fill with the fields they came from. When the registry is down (or has no record), the applicant enters
the values by hand and the result says so; the officer sees it at intake (``registry_report``), as well
as every value the applicant changed from what the registry holds.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opendvc.accounts import crypto
from opendvc.accounts.models import Organisation
from opendvc.accounts.permissions import can_act_for, can_manage_organisation
from opendvc.accounts.selectors import profile_of
from opendvc.accounts.services import organisation_mark_verified
from opendvc.audit.services import audit_record
from opendvc.core.prepared import PreparedRead
from opendvc.core.problems import ProblemError
from opendvc.core.ratelimit import client_address
from opendvc.dossiers.models import Dossier, DossierAccess

from .client import RegistryNotFound, RegistryUnavailable, registry_for
from .models import RegistryFetch

logger = logging.getLogger("opendvc.registries")

CONSENT_TEXT = {
    RegistryFetch.Registry.POPULATION: gettext_lazy(
        "Tôi đồng ý để Cổng Dịch vụ công lấy thông tin của tôi (họ tên, ngày sinh, giới tính, nơi thường trú, "
        "nơi ở hiện tại, hộ gia đình) từ Cơ sở dữ liệu quốc gia về dân cư để điền vào hồ sơ này."
    ),
    RegistryFetch.Registry.BUSINESS: gettext_lazy(
        "Tôi đồng ý để Cổng Dịch vụ công lấy thông tin của doanh nghiệp (tên, địa chỉ, người đại diện theo "
        "pháp luật, tình trạng hoạt động) từ Cơ sở dữ liệu quốc gia về đăng ký doanh nghiệp để điền vào hồ sơ này."
    ),
}
SOURCE_LABEL = {
    RegistryFetch.Registry.POPULATION: gettext_lazy("Từ CSDL quốc gia về dân cư"),
    RegistryFetch.Registry.BUSINESS: gettext_lazy("Từ CSDL quốc gia về đăng ký doanh nghiệp"),
}
IDENTIFIER_SOURCE = {
    RegistryFetch.Registry.POPULATION: "cccd",
    RegistryFetch.Registry.BUSINESS: "organisation_tax_code",
}


@dataclass
class Prefill:
    outcome: str
    # form field key → value, for the fields of the form whose ``prefill`` source the registry holds
    values: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    cached: bool = False
    record: dict[str, Any] = field(default_factory=dict)


def _hash(identifier: str) -> str:
    return hashlib.sha256(identifier.strip().encode()).hexdigest()


def iter_form_fields(definition: dict) -> list[dict]:
    return [
        spec
        for section in (definition or {}).get("sections", [])
        for spec in section.get("fields", [])
    ]


def form_values_from(
    *, definition: dict, record: dict[str, Any], only: set[str] | None = None
) -> dict[str, Any]:
    """The form fields (``prefill`` source held by ``record``) and their values. ``only``: restrict to
    fields whose source is in it (e.g. only the applicant's own fields)."""
    out: dict[str, Any] = {}
    for spec in iter_form_fields(definition):
        source = spec.get("prefill")
        if (
            source
            and source in record
            and record[source] not in (None, "")
            and (only is None or source in only)
        ):
            out[spec["key"]] = record[source]
    return out


def _check_identifier(registry: str, identifier: str) -> str:
    value = (identifier or "").strip()
    if registry == RegistryFetch.Registry.POPULATION:
        if not (value.isdigit() and len(value) == 12):
            raise ProblemError(
                "validation_error",
                _("Số CCCD phải gồm 12 chữ số."),
                extra={
                    "errors": [{"path": "identifier", "message": _("Số CCCD phải gồm 12 chữ số.")}]
                },
            )
    elif not (value.isdigit() and len(value) in (10, 13)):
        raise ProblemError(
            "validation_error",
            _("Mã số thuế phải gồm 10 hoặc 13 chữ số."),
            extra={
                "errors": [
                    {"path": "identifier", "message": _("Mã số thuế phải gồm 10 hoặc 13 chữ số.")}
                ]
            },
        )
    return value


def _identifier_problem(message: str) -> ProblemError:
    return ProblemError(
        "validation_error", message, extra={"errors": [{"path": "identifier", "message": message}]}
    )


UNVERIFIED_CCCD = gettext_lazy(
    "Số CCCD trên tài khoản của ông/bà chưa được xác thực nên chưa lấy được thông tin từ Cơ sở dữ "
    "liệu quốc gia về dân cư. Hãy đăng nhập bằng tài khoản định danh điện tử (VNeID): số CCCD sẽ "
    "được xác thực tự động; hoặc tự nhập thông tin vào tờ khai."
)


def population_prefill_ready(user) -> bool:
    """Whether the applicant may ask the population database: their CCCD is verified through the
    national electronic identity (``_check_own``)."""
    return profile_of(user).cccd_verified


def _check_own(registry: str, identifier: str, *, user, dossier: Dossier) -> None:
    """The identifier must be the applicant's own: their CCCD as recorded on their account and verified
    through the national electronic identity (Decree 69/2024/NĐ-CP; a number typed on the profile
    could be anyone's), or the tax
    code of the organisation the dossier is filed for (and that they still act for). The consent is the
    data subject's, for their own data (Decree 13/2023/NĐ-CP on personal data protection, Art. 11):
    it cannot cover someone else's record, and the registry is not asked at all — the answer (found or
    not) would tell whether a number exists. 422 ``validation_error`` (path ``identifier``)."""
    if registry == RegistryFetch.Registry.POPULATION:
        profile = profile_of(user)
        own = getattr(profile, "cccd_hash", None)
        if not own:
            raise _identifier_problem(
                _(
                    "Tài khoản của ông/bà chưa có số CCCD. Hãy cập nhật số CCCD ở trang Thông tin cá "
                    "nhân rồi lấy thông tin lại."
                )
            )
        if not profile.cccd_verified:
            # A typed number may be anyone's: only the electronic identity shows it is theirs.
            raise _identifier_problem(str(UNVERIFIED_CCCD))
        if not hmac.compare_digest(crypto.lookup_hash(identifier) or "", own):
            raise _identifier_problem(
                _(
                    "Chỉ lấy được thông tin của chính ông/bà: số CCCD phải là số trên tài khoản của "
                    "ông/bà (Nghị định 13/2023/NĐ-CP về bảo vệ dữ liệu cá nhân)."
                )
            )
        return
    organisation = dossier.acting_for if dossier.acting_for_id else None
    if organisation is None:
        raise _identifier_problem(
            _(
                "Hồ sơ này không nộp nhân danh tổ chức nào; chỉ lấy được thông tin doanh nghiệp của tổ "
                "chức mà ông/bà nhân danh."
            )
        )
    if identifier != organisation.tax_code or not can_act_for(user, organisation):
        raise _identifier_problem(
            _(
                "Chỉ lấy được thông tin của tổ chức mà ông/bà nhân danh trong hồ sơ này: mã số thuế "
                "phải là %(tax_code)s."
            )
            % {"tax_code": organisation.tax_code}
        )


def registry_prefill(
    *,
    dossier: Dossier,
    user,
    registry: str,
    identifier: str,
    consent: bool,
    definition: dict,
    request=None,
) -> Prefill:
    """Fetch ``identifier`` from ``registry`` for ``dossier`` (the applicant's own, still a draft) and
    return the values for the fields of ``definition``.

    Side effects: a ``RegistryFetch`` row (consent + answer, cached for this dossier), a
    ``DossierAccess`` row in the applicant's access log and an audit entry — also when the registry is
    down or has no record. A second fetch of the same identifier for the same dossier reuses the answer
    without calling the registry again. Raises ``ProblemError`` (422) without consent, with a
    malformed identifier or with one that is not the applicant's own (``_check_own``: nothing is
    asked of the registry), (403) for someone else's dossier."""
    if registry not in RegistryFetch.Registry.values:
        raise ProblemError("validation_error", _("Cơ sở dữ liệu không hợp lệ."))
    if dossier.applicant_id != getattr(user, "pk", None):
        raise ProblemError(
            "permission_denied",
            _("Chỉ người nộp hồ sơ mới được lấy thông tin của mình."),
            status=403,
        )
    if not consent:
        raise ProblemError(
            "validation_error",
            _("Cần xác nhận đồng ý trước khi lấy thông tin từ cơ sở dữ liệu quốc gia."),
            extra={"errors": [{"path": "consent", "message": _("Hãy đánh dấu ô đồng ý.")}]},
        )
    identifier = _check_identifier(registry, identifier)
    _check_own(registry, identifier, user=user, dossier=dossier)
    subject = _hash(identifier)
    cached = (
        RegistryFetch.objects.filter(
            dossier=dossier,
            registry=registry,
            subject_hash=subject,
            outcome=RegistryFetch.Outcome.FOUND,
        )
        .order_by("-at", "-pk")
        .first()
    )
    if cached is not None:
        return Prefill(
            outcome=cached.outcome,
            values=form_values_from(definition=definition, record=cached.values),
            cached=True,
            record=cached.values,
        )
    note = ""
    record: dict[str, Any] = {}
    try:
        record = registry_for(registry).lookup(identifier, purpose=f"dossier-{dossier.public_id}")
        outcome = RegistryFetch.Outcome.FOUND
    except RegistryNotFound:
        outcome = RegistryFetch.Outcome.NOT_FOUND
        note = _(
            "Không tìm thấy thông tin trong cơ sở dữ liệu quốc gia; vui lòng kiểm tra số đã nhập hoặc tự nhập "
            "thông tin."
        )
    except RegistryUnavailable as exc:
        logger.warning("registry %s unavailable: %s", registry, exc)
        outcome = RegistryFetch.Outcome.UNAVAILABLE
        note = _(
            "Cơ sở dữ liệu quốc gia tạm thời không truy cập được. Vui lòng tự nhập thông tin; cán bộ tiếp nhận "
            "sẽ đối chiếu khi tiếp nhận hồ sơ."
        )
    values = form_values_from(definition=definition, record=record)
    household = record.get("household") or {}
    stored = (
        {**record, "household": {k: v for k, v in household.items() if k != "head_cccd"}}
        if record
        else {}
    )
    now = timezone.now()
    with transaction.atomic():
        fetch = RegistryFetch.objects.create(
            dossier=dossier,
            registry=registry,
            subject_hash=subject,
            requested_by=user,
            consent_text=str(CONSENT_TEXT[registry]),
            consent_at=now,
            outcome=outcome,
            values=stored,
            filled=dict.fromkeys(values, True),
        )
        DossierAccess.objects.create(
            dossier=dossier,
            user=user,
            action=DossierAccess.Action.REGISTRY,
            reason=f"{RegistryFetch.Registry(registry).label}: {RegistryFetch.Outcome(outcome).label}"[
                :300
            ],
            ip_address=client_address(request),
        )
        audit_record(
            actor=user,
            action="registry.fetch",
            target=fetch,
            changes={
                "registry": registry,
                "outcome": outcome,
                "dossier": str(dossier.public_id),
                "fields": sorted(values),
            },
            request=request,
        )
    return Prefill(outcome=outcome, values=values, note=note, record=stored)


def registry_filled_fields(*, dossier: Dossier) -> dict[str, str]:
    """Form field key → the label of the registry it was filled from (the latest found fetch wins)."""
    out: dict[str, str] = {}
    for fetch in dossier.registry_fetches.filter(outcome=RegistryFetch.Outcome.FOUND).order_by(
        "at", "pk"
    ):
        for key in fetch.filled or {}:
            out[key] = str(SOURCE_LABEL[fetch.registry])
    return out


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        keys = set(a) | set(b)
        return all(
            str(a.get(k) or "").strip().casefold() == str(b.get(k) or "").strip().casefold()
            for k in keys
        )
    return " ".join(str(a or "").split()).casefold() == " ".join(str(b or "").split()).casefold()


# The officer's dossier page reads them on every view: the statement built once per process.
_FETCHES = PreparedRead(
    lambda dossier_id: RegistryFetch.objects.filter(dossier=dossier_id).order_by("at", "pk"), 1
)


def registry_report(*, dossier: Dossier, definition: dict | None) -> dict[str, Any]:
    """What the officer sees at intake: each fetch (registry, outcome, when, manual entry when it failed)
    and each declared value that differs from the registry's (``mismatches``: field, label, declared,
    registry). Reads only; no side effects."""
    fetches = _FETCHES.list(dossier.pk)
    for fetch in fetches:  # each knows its dossier, as the related manager's rows do
        fetch._state.fields_cache["dossier"] = dossier
    labels = {
        spec["key"]: spec.get("label", spec["key"]) for spec in iter_form_fields(definition or {})
    }
    data = dossier.form_data or {}
    mismatches: list[dict[str, Any]] = []
    seen: set[str] = set()
    for fetch in reversed(fetches):
        if fetch.outcome != RegistryFetch.Outcome.FOUND:
            continue
        expected = form_values_from(definition=definition or {}, record=fetch.values)
        for key in fetch.filled or {}:
            if key in seen or key not in expected:
                continue
            seen.add(key)
            if key in data and not _same(data.get(key), expected[key]):
                mismatches.append(
                    {
                        "field": key,
                        "label": labels.get(key, key),
                        "declared": data.get(key),
                        "registry": expected[key],
                        "source": str(SOURCE_LABEL[fetch.registry]),
                    }
                )
    manual = [f for f in fetches if f.outcome != RegistryFetch.Outcome.FOUND]
    return {
        "fetches": fetches,
        "mismatches": mismatches,
        "manual": bool(manual)
        and not any(f.outcome == RegistryFetch.Outcome.FOUND for f in fetches),
    }


# -- An organisation's tax code ------------------------------------------------------------------


def organisation_verify(*, user, organisation: Organisation, request=None) -> Organisation:
    """Verify the tax code of ``organisation`` for its representative ``user``: the national business
    registry must name, as the organisation's legal representative, the CCCD that the national
    electronic identity verified on ``user``'s account. The organisation then takes the registry's
    name and representative and its tax code is its own on the portal (no one else can add it; the
    counter intake files into it). Idempotent.

    Raises ``ProblemError``: 403 for a member who is not a representative; 422 ``cccd_unverified``
    (nothing asked of the registry), ``not_on_record`` or ``not_representative``; 409 when another
    organisation verified the tax code first; 503 when the registry cannot be reached."""
    if not can_manage_organisation(user, organisation):
        raise ProblemError(
            "permission_denied",
            _("Chỉ người đại diện của tổ chức mới xác thực được mã số thuế."),
            status=403,
        )
    if organisation.verified:
        return organisation
    profile = profile_of(user)
    if profile is None or not profile.cccd_verified:
        raise ProblemError(
            "cccd_unverified",
            _(
                "Số CCCD trên tài khoản của ông/bà chưa được xác thực. Hãy đăng nhập bằng tài khoản "
                "định danh điện tử (VNeID): số CCCD sẽ được xác thực tự động, rồi xác thực tổ chức."
            ),
            status=422,
        )
    taken = Organisation.objects.filter(
        tax_code=organisation.tax_code, verified_at__isnull=False
    ).exclude(pk=organisation.pk)
    if taken.exists():
        raise _tax_code_taken()
    subject = _hash(organisation.tax_code)
    try:
        record = registry_for(RegistryFetch.Registry.BUSINESS).record(
            organisation.tax_code, purpose="xac-thuc-to-chuc"
        )
    except RegistryNotFound:
        _verification_audit(user, organisation, subject, "not_found", request)
        raise ProblemError(
            "not_on_record",
            _(
                "Cơ sở dữ liệu quốc gia về đăng ký doanh nghiệp không có mã số thuế %(tax_code)s. "
                "Hãy kiểm tra lại mã số thuế của tổ chức."
            )
            % {"tax_code": organisation.tax_code},
            status=422,
        ) from None
    except RegistryUnavailable as exc:
        _verification_audit(user, organisation, subject, "unavailable", request)
        logger.warning("business registry unavailable for a verification: %s", exc)
        raise _registry_unavailable() from None
    representative = record.get("legal_representative")
    named = representative.get("cccd") if isinstance(representative, dict) else None
    if not isinstance(named, str) or not named:
        # A record without its representative's number is not the registry's protocol: nothing is
        # decided on it.
        _verification_audit(user, organisation, subject, "unavailable", request)
        logger.warning("business registry answered a record without the representative's CCCD")
        raise _registry_unavailable()
    if not hmac.compare_digest(named.encode(), (profile.cccd or "").encode()):
        _verification_audit(user, organisation, subject, "not_representative", request)
        raise ProblemError(
            "not_representative",
            _(
                "Theo Cơ sở dữ liệu quốc gia về đăng ký doanh nghiệp, ông/bà không phải người đại diện "
                "theo pháp luật của tổ chức có mã số thuế %(tax_code)s, nên chưa xác thực được. Người "
                "đại diện theo pháp luật cần tự xác thực rồi thêm ông/bà làm thành viên."
            )
            % {"tax_code": organisation.tax_code},
            status=422,
        )
    try:
        with transaction.atomic():
            locked = Organisation.objects.select_for_update().get(pk=organisation.pk)
            if locked.verified:
                return locked
            return organisation_mark_verified(
                organisation=locked,
                user=user,
                data={
                    "name": str(record.get("name") or ""),
                    "legal_representative": str(representative.get("full_name") or ""),
                },
                request=request,
            )
    except IntegrityError:  # another organisation verified the same tax code at the same moment
        raise _tax_code_taken() from None


def _registry_unavailable() -> ProblemError:
    return ProblemError(
        "service_unavailable",
        _(
            "Cơ sở dữ liệu quốc gia về đăng ký doanh nghiệp tạm thời không truy cập được. Vui "
            "lòng thử lại sau."
        ),
        status=503,
    )


def _tax_code_taken() -> ProblemError:
    return ProblemError(
        "conflict",
        _(
            "Mã số thuế này đã được xác thực cho một tổ chức khác trên Cổng. Đề nghị người đại diện "
            "của tổ chức đó thêm ông/bà làm thành viên."
        ),
        status=409,
    )


def _verification_audit(user, organisation, subject: str, outcome: str, request) -> None:
    """A refused verification is kept too (who asked, which tax code by its hash, what the registry
    said), as every question put to a national registry."""
    audit_record(
        actor=user,
        action="registries.organisation_verification_refused",
        target=organisation,
        changes={"subject_hash": subject, "outcome": outcome},
        request=request,
    )
