"""Identifiers inside a dossier's form data, and who read a dossier (Regulation Art. 4.4, 13.3;
Personal Data Protection Law 91/2025/QH15: encrypt identifiers at rest, mask them on screens, log
who read them).

- Which values are identifiers: the fields of the dossier's e-form whose kind is ``cccd``,
  ``phone`` or ``tax_code`` (group sub-fields too), and — for data without a form version — keys
  with those names (``IDENTIFIER_KEYS``).
- At rest each such value is ``{"$enc": "<Fernet token>"}`` (the keys of ``FIELD_ENCRYPTION_KEYS``,
  rotated by ``manage.py rotate_encryption_keys``); ``Dossier.form_data`` decrypts on read, so code
  that needs the value (receipts, sync, the applicant's own pages) sees it as typed.
- Staff screens call ``form_data_for_staff``: identifiers masked (``075******234``) unless the
  officer asks to see them with a reason, which is logged and audited; every staff read of a dossier
  is a ``DossierAccess`` row the applicant finds in their personal data export.
"""

from __future__ import annotations

from copy import deepcopy
from functools import lru_cache
from typing import Any

from opendvc.accounts import crypto

IDENTIFIER_KINDS = frozenset({"cccd", "phone", "tax_code"})
IDENTIFIER_KEYS = frozenset(
    {
        "cccd",
        "phone",
        "tax_code",
        "so_cccd",
        "so_dien_thoai",
        "dien_thoai",
        "ma_so_thue",
        "so_ho_chieu",
        "passport",
        "cmnd",
        "so_cmnd",
    }
)
ENC = "$enc"


@lru_cache(maxsize=512)
def identifier_keys(form_version_id: int | None) -> frozenset[str]:
    """The keys of the form's identifier fields (form versions never change once published)."""
    keys = set(IDENTIFIER_KEYS)
    if form_version_id:
        from django.apps import apps

        if apps.is_installed("opendvc.eforms"):
            from opendvc.eforms.models import FormVersion

            definition = (
                FormVersion.objects.filter(pk=form_version_id)
                .values_list("definition", flat=True)
                .first()
            )
            for section in (definition or {}).get("sections", []):
                for spec in section.get("fields", []):
                    for field in [spec, *spec.get("fields", [])]:
                        if field.get("kind") in IDENTIFIER_KINDS:
                            keys.add(field["key"])
    return frozenset(keys)


def _is_sealed(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {ENC}


def _walk(value: Any, keys: frozenset[str], leaf) -> Any:
    if _is_sealed(value):
        return leaf(None, value)
    if isinstance(value, dict):
        return {
            k: leaf(k, v) if k in keys and not isinstance(v, dict | list) else _walk(v, keys, leaf)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_walk(v, keys, leaf) for v in value]
    return value


def form_data_seal(data: Any, *, keys: frozenset[str]) -> Any:
    """A copy with every identifier value replaced by ``{"$enc": token}`` (already sealed stay)."""

    def seal(_key, value):
        if _is_sealed(value) or value in (None, ""):
            return value
        return {ENC: crypto.encrypt(str(value))}

    return _walk(data, keys, seal)


def form_data_open(data: Any) -> Any:
    """A copy with every ``{"$enc": token}`` decrypted."""

    def open_(_key, value):
        return crypto.decrypt(value[ENC]) if _is_sealed(value) else value

    return _walk(data, frozenset(), open_)


def form_data_reseal_all(*, batch_size: int = 500) -> int:
    """Re-encrypt the identifiers of every dossier with the newest key (key rotation) and seal any
    still stored in clear. Returns the number of dossiers rewritten."""
    from .models import Dossier

    count = 0
    qs = (
        Dossier.objects.exclude(form_data={})
        .order_by("pk")
        .only("pk", "form_data", "form_version_id")
    )
    for dossier in qs.iterator(chunk_size=batch_size):
        sealed = form_data_seal(dossier.form_data, keys=identifier_keys(dossier.form_version_id))
        if sealed != dossier.form_data:
            Dossier.objects.filter(pk=dossier.pk).update(form_data=sealed)
            count += 1
    return count


def form_data_mask(data: Any, *, form_version_id: int | None) -> Any:
    """A copy of (decrypted) form data with identifiers masked: ``075090001234`` → ``075******234``.
    The display of form data to staff calls this (or ``form_data_for_staff``) on ``dossier.form_data``."""
    keys = identifier_keys(form_version_id)
    return _walk(
        deepcopy(data or {}), keys, lambda _k, v: crypto.mask(str(v)) if v not in (None, "") else v
    )


def form_data_for_staff(
    *, dossier, user, reveal: bool = False, reason: str = "", request=None
) -> dict:
    """The dossier's form data as staff see it: masked by default; unmasked when ``reveal`` with a
    reason (logged as a ``reveal`` access and audited). Side effects only when revealing."""
    if not reveal:
        return form_data_mask(dossier.form_data, form_version_id=dossier.form_version_id)
    from opendvc.audit.services import audit_record

    from .models import DossierAccess

    dossier_access_record(
        dossier=dossier,
        user=user,
        action=DossierAccess.Action.REVEAL,
        reason=reason,
        request=request,
    )
    audit_record(
        actor=user,
        action="dossier.reveal_identifiers",
        target=dossier,
        changes={"reason": reason},
        request=request,
    )
    return deepcopy(dossier.form_data or {})


def dossier_access_record(*, dossier, user, action: str = "read", reason: str = "", request=None):
    """One row of the access log: who read which dossier, when, how (page, API, revealed identifiers).
    Reads by the applicant themselves are not logged (it is their own data)."""
    from .models import DossierAccess

    if user is None or not getattr(user, "pk", None) or user.pk == dossier.applicant_id:
        return None
    return DossierAccess.objects.create(
        dossier=dossier,
        user=user,
        action=action,
        reason=reason[:300],
        ip_address=(request.META.get("REMOTE_ADDR") if request else None) or None,
    )


def dossier_reads_of(*, applicant) -> list[dict]:
    """The access log of the applicant's dossiers, for their personal data export."""
    from .models import DossierAccess

    rows = DossierAccess.objects.filter(dossier__applicant=applicant).select_related(
        "user", "dossier"
    )
    return [
        {
            "dossier": a.dossier.code or str(a.dossier.public_id),
            "at": a.at.isoformat(),
            "by": a.user.full_name or str(a.user.public_id),
            "action": a.action,
            "reason": a.reason,
        }
        for a in rows.order_by("at", "id")
    ]
