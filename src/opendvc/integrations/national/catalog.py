"""The national catalogue pulled into a staging area and published after an officer's review.

``catalog_pull`` asks the national portal for its list of procedures (``LayDanhSachTTHC``), each
procedure (``LayThuTuc``), the agencies (``LayDanhMucCoQuan``) and the fields (``LayDanhMucLinhVuc``),
checks every procedure with the catalog's import schema and stages it with its difference from our
catalog: new, changed (its import hash differs), unchanged, or invalid (with the schema's errors).
Nothing in the catalog changes until ``catalog_pull_publish``, which runs the new and changed
procedures through the catalog's own import (``catalog.services.import_records``: idempotent by
national code, a new published version when the content changed, audited) — the same path as an
import file (docs/catalog-import.md). Regulation QĐ 31/2020/QĐ-UBND Art. 5.2: the exact legal names
and contents come from the national catalogue."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from opendvc.agencies.models import Agency, Tier
from opendvc.audit.services import audit_record
from opendvc.catalog.models import Procedure
from opendvc.catalog.schema import Checked, check_record
from opendvc.catalog.services import ImportContext, _agencies_for, import_records, record_hash
from opendvc.core.problems import ProblemError
from opendvc.core.text import contains_unstorable, storable

from ..models import CatalogPull, CatalogPullItem
from ..transport import DeliveryError
from .client import NationalClient


def _storable(value: Any) -> tuple[Any, bool]:
    """``value`` with every NUL character removed and every lone surrogate replaced by U+FFFD (keys
    and values, at any depth), and whether anything had to be."""
    return storable(value, nul=""), contains_unstorable(value)


def catalog_pull(
    *, client: NationalClient | None = None, progress: Callable[[int, int, str], None] | None = None
) -> CatalogPull:
    """Pull the national catalogue into a new staged pull (nothing published)."""
    client = client or NationalClient()

    def rows(service: str, body: dict[str, Any] | None = None) -> Any:
        data = client.catalog(service, body) or []
        if not isinstance(data, list) or not all(isinstance(row, dict) for row in data):
            raise DeliveryError(
                _("%(service)s trả lời không đúng định dạng (cần một danh sách đối tượng).")
                % {"service": service}
            )
        return data

    try:
        listed = rows("LayDanhSachTTHC")
        agencies = rows("LayDanhMucCoQuan")
        fields = rows("LayDanhMucLinhVuc")
        details = []
        for i, item in enumerate(listed, start=1):
            code = str(item.get("MaTTHC") or "")
            detail = client.catalog("LayThuTuc", {"MaTTHC": code}) or {}
            if not isinstance(detail, dict):
                raise DeliveryError(
                    _("LayThuTuc %(code)s trả lời không đúng định dạng (cần một đối tượng).")
                    % {"code": code[:20]}
                )
            details.append(detail)
            if progress:
                progress(i, len(listed), code)
    except (DeliveryError, httpx.HTTPError) as exc:
        raise ProblemError(
            "service_unavailable",
            _("Không lấy được danh mục từ Cổng DVC quốc gia: %(e)s") % {"e": exc},
            status=503,
        ) from exc
    known_tiers = set(Tier.objects.values_list("code", flat=True))
    known_agencies = set(Agency.objects.values_list("code", flat=True))
    ctx = ImportContext.load()
    current = {p.code: p for p in Procedure.objects.only("code", "name", "import_hash")}
    # What the portal sent that no database can keep (a NUL character, half a surrogate pair) is
    # cleaned before it is staged; a procedure that carried any is invalid (never published).
    agencies, _flawed = _storable(agencies)
    fields, _flawed = _storable(fields)
    with transaction.atomic():
        pull = CatalogPull.objects.create(agencies=agencies, fields=fields)
        items = []
        for row, sent in enumerate(details, start=1):
            detail, flawed = _storable(sent)
            raw = detail.get("ChiTiet") if isinstance(detail.get("ChiTiet"), dict) else {}
            raw = {**raw, "national_code": detail.get("MaTTHC") or raw.get("national_code")}
            checked = check_record(raw, row, known_tiers=known_tiers, known_agencies=known_agencies)
            code = str(raw.get("national_code") or "")
            existing = current.get(code)
            errors = [f"{e.column}: {e.reason}" for e in checked.errors]
            if flawed:
                errors.append(
                    _(
                        "Cổng DVC quốc gia gửi ký tự không lưu được (NUL hoặc ký tự không phải văn "
                        "bản Unicode hợp lệ); hãy báo Cổng DVC quốc gia sửa thủ tục này."
                    )
                )
            if not checked.ok or flawed:
                change = CatalogPullItem.Change.INVALID
            elif existing is None:
                change = CatalogPullItem.Change.NEW
            else:
                agencies_of = [a.code for a in _agencies_for(checked.record, ctx)]
                same = existing.import_hash == record_hash(checked.record, agency_codes=agencies_of)
                change = CatalogPullItem.Change.SAME if same else CatalogPullItem.Change.CHANGED
            items.append(
                CatalogPullItem(
                    pull=pull,
                    national_code=code[:20],
                    name=str(detail.get("TenTTHC") or raw.get("name") or ""),
                    current_name=existing.name if existing else "",
                    change=change,
                    record=raw,
                    errors=errors,
                )
            )
        CatalogPullItem.objects.bulk_create(items)
        audit_record(
            actor=None,
            action="integrations.catalog_pull",
            target=pull,
            changes=catalog_pull_counts(pull=pull),
        )
    return pull


def catalog_pull_counts(*, pull: CatalogPull) -> dict[str, int]:
    counts = dict.fromkeys(CatalogPullItem.Change.values, 0)
    for change in pull.items.values_list("change", flat=True):
        counts[change] += 1
    return counts


def catalog_pull_publish(*, pull: CatalogPull, actor: Any, request: Any = None) -> dict[str, int]:
    """Publish the new and changed procedures of a staged pull through the catalog's import."""
    with transaction.atomic():
        pull = CatalogPull.objects.select_for_update().get(pk=pull.pk)
        if pull.status != CatalogPull.Status.STAGED:
            raise ProblemError("conflict", _("Lần lấy danh mục này đã được cập nhật."), status=409)
        known_tiers = set(Tier.objects.values_list("code", flat=True))
        known_agencies = set(Agency.objects.values_list("code", flat=True))
        wanted = pull.items.filter(
            change__in=[CatalogPullItem.Change.NEW, CatalogPullItem.Change.CHANGED]
        )
        checked: list[Checked] = [
            check_record(item.record, n, known_tiers=known_tiers, known_agencies=known_agencies)
            for n, item in enumerate(wanted, start=1)
        ]
        result = import_records(checked=checked, actor=actor, partial=True)
        pull.status = CatalogPull.Status.PUBLISHED
        pull.published_at = timezone.now()
        pull.published_by = actor
        pull.save(update_fields=["status", "published_at", "published_by"])
        outcome = {
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "rejected": len(result.rejected),
        }
        audit_record(
            actor=actor,
            action="integrations.catalog_publish",
            target=pull,
            changes=outcome,
            request=request,
        )
    return outcome
