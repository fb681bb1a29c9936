"""Writes to the catalog: import (upsert by code), publish, suspend. Every change is audited.

Derived values are computed here and recorded as derived, never presented as the source's words:
- the service level when the source gives none (``derive_level``, Regulation Art. 2.13 and 5.3);
- the implementing agencies matched from the source's free text (``match_agencies``);
- the folded search columns (``search_columns``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from opendvc.agencies.models import Agency, Tier
from opendvc.audit.services import audit_record

from .models import (
    Component,
    FeeItem,
    FormFile,
    LegalBasis,
    Procedure,
    ProcedureMethod,
    ProcedureVersion,
    Sector,
    Step,
)
from .models import Field as CatalogField
from .schema import ONLINE_CLASSES, Checked, RowError
from .selectors import REVISION_KEY, procedure_record
from .text import fold, slug, tokens


def bump_revision() -> None:
    """Invalidate cached search results and facets now and again when the transaction commits
    (so nothing cached from the old state in between survives)."""

    cache.delete(REVISION_KEY)
    transaction.on_commit(lambda: cache.delete(REVISION_KEY))


# ---------------------------------------------------------------------------------------------
# Derivations
# ---------------------------------------------------------------------------------------------

LEVEL_BASIS = {
    # Regulation Art. 2.13: levels 1-4; Art. 5.3: a procedure with forms is offered at level 2 at least.
    # Stored in Vietnamese; pages translate them (``catalog_tags.level_basis``).
    4: gettext_noop(
        "Có nộp trực tuyến và được phân loại toàn trình (Quy chế, Điều 2 khoản 13 điểm d)."
    ),
    3: gettext_noop("Có hình thức nộp trực tuyến (Quy chế, Điều 2 khoản 13 điểm c)."),
    2: gettext_noop(
        "Có biểu mẫu để tải về (Quy chế, Điều 5 khoản 3: thủ tục có biểu mẫu ở mức độ 2 trở lên)."
    ),
    1: gettext_noop("Chỉ cung cấp thông tin về thủ tục (Quy chế, Điều 2 khoản 13 điểm a)."),
}


def derive_level(record: dict[str, Any]) -> tuple[int, str, str]:
    """Return ``(level, source, basis)`` for a record; pure.

    When the record states a level it is kept (source ``source``). Otherwise the portal derives it:
    4 if an online method exists and the national class is toàn trình; 3 if an online method exists;
    2 if any component has a form; else 1 (source ``derived``). The class is read as the import reads
    it: the stored code (a checked record) or the schema's words (``procedure_record``, after an
    edit in the back office).
    """
    if record.get("level"):
        return int(record["level"]), Procedure.LevelSource.SOURCE, "Theo dữ liệu công bố."
    online = any(m.get("method") == "online" for m in record.get("methods") or [])
    forms = any(c.get("form_file") for c in record.get("components") or [])
    online_class = ONLINE_CLASSES.get(str(record.get("online_class") or "").strip().lower())
    if online and online_class == Procedure.OnlineClass.FULL:
        level = 4
    elif online:
        level = 3
    elif forms:
        level = 2
    else:
        level = 1
    return level, Procedure.LevelSource.DERIVED, LEVEL_BASIS[level]


# Commune-tier wording in the source -> every commune of tier "xa".
_COMMUNE_PHRASES = [
    fold(p)
    for p in (
        "Ủy ban nhân dân cấp xã",
        "UBND cấp xã",
        "Ủy ban nhân dân xã",
        "Cơ quan quản lý đất đai cấp xã",
    )
]
# The police of the commune or ward (Công an cấp xã, under the two-tier local government of 2025):
# the tier-"xa" agencies named "Công an …".
_COMMUNE_POLICE_PHRASES = [fold(p) for p in ("Công an cấp xã", "Công an xã", "Công an cấp phường")]
_COMMUNE_POLICE_NAMES = (fold("Công an") + " ",)
# The commune, ward or special zone itself (its People's Committee), as the name of a tier-"xa" agency
# starts; other agencies at that tier (the ward's police, social insurance office) are not it.
_COMMUNE_NAMES = tuple(
    fold(p) + " " for p in ("Xã", "Phường", "Thị trấn", "Đặc khu", "Ủy ban nhân dân", "UBND")
)
# Units that belong to a department: the land registration office is a unit of the department of
# agriculture and environment (Sở Nông nghiệp và Môi trường).
_UNIT_OF_DEPARTMENT = {fold("Văn phòng đăng ký đất đai"): fold("Sở Nông nghiệp và Môi trường")}


@dataclass
class AgencyIndex:
    """Folded short names of the agencies, loaded once per import."""

    by_short: dict[str, Agency]
    communes: list[Agency]
    by_code: dict[str, Agency]
    commune_police: list[Agency] = field(default_factory=list)

    @classmethod
    def load(cls) -> AgencyIndex:
        agencies = list(Agency.objects.filter(is_active=True).select_related("tier"))
        by_short = {}
        for a in agencies:
            if a.tier.code != "xa" and a.short_name:
                by_short[fold(a.short_name)] = a
        return cls(
            by_short=by_short,
            communes=[
                a
                for a in agencies
                if a.tier.code == "xa" and fold(a.name).startswith(_COMMUNE_NAMES)
            ],
            by_code={a.code: a for a in agencies},
            commune_police=[
                a
                for a in agencies
                if a.tier.code == "xa" and fold(a.name).startswith(_COMMUNE_POLICE_NAMES)
            ],
        )


def match_agencies(text: str, index: AgencyIndex) -> list[Agency]:
    """Map the source's "Cơ quan thực hiện" text to agencies of the portal; pure given ``index``.

    Rules (docs/catalog-import.md): commune-tier wording -> every commune/ward committee; the
    commune-tier police ("Công an cấp xã") -> every commune/ward police office; a
    department's short name (e.g. "Sở Tư pháp", "Công an tỉnh") -> that department; a unit of a
    department -> the department. Text naming no known agency maps to nothing (the raw text is kept).
    """
    folded = f" {fold(text)} "
    found: dict[str, Agency] = {}
    if any(f" {p} " in folded for p in _COMMUNE_PHRASES):
        for a in index.communes:
            found[a.code] = a
    if any(f" {p} " in folded for p in _COMMUNE_POLICE_PHRASES):
        for a in index.commune_police:
            found[a.code] = a
    for short, agency in index.by_short.items():
        if short.startswith(("so ", "cong an tinh")) and f" {short} " in folded:
            found[agency.code] = agency
    for unit, dept in _UNIT_OF_DEPARTMENT.items():
        if f" {unit} " in folded and dept in index.by_short:
            agency = index.by_short[dept]
            found[agency.code] = agency
    return sorted(found.values(), key=lambda a: a.code)


def agency_link_procedures(*, agency: Agency) -> int:
    """Link ``agency`` to the procedures whose published "Cơ quan thực hiện" names it by the import's
    rules (``match_agencies``): an agency created after the catalog was imported (a ward's police
    office) takes the dossiers of those procedures at once. Returns how many were linked."""
    index = AgencyIndex.load()
    linked = 0
    for procedure in Procedure.objects.exclude(implementing_agency_text="").exclude(
        agencies=agency
    ):
        if agency in match_agencies(procedure.implementing_agency_text, index):
            procedure.agencies.add(agency)
            linked += 1
    if linked:
        bump_revision()
    return linked


def search_columns(record: dict[str, Any]) -> dict[str, str]:
    """Folded search text: name (with codes), field (with sector), legal basis (distinct words)."""
    name = fold(" ".join([record["national_code"], record.get("local_code") or "", record["name"]]))
    field_text = fold(f"{record['field']} {record['sector']}")
    legal_words = tokens(
        " ".join(
            f"{lb.get('number', '')} {lb.get('title', '')}"
            for lb in record.get("legal_basis") or []
        )
    )
    legal = " ".join(w for w in legal_words if w not in set(name.split()) | set(field_text.split()))
    # Each column starts with a space so that LIKE '% word%' matches word beginnings only.
    return {
        "search_name": f" {name}",
        "search_field": f" {field_text}",
        "search_legal": f" {legal}",
        "search_doc": f" {name} {field_text} {legal}".rstrip(),
    }


# Bumped when the derived columns change shape, so that re-importing rewrites them.
DERIVED_FORMAT = 2


def record_hash(record: dict[str, Any], *, agency_codes: list[str]) -> str:
    """Hash of the cleaned record with its agencies resolved: a file and its own export hash alike."""
    resolved = {**record, "agency_codes": sorted(agency_codes)}
    payload = json.dumps(
        [DERIVED_FORMAT, resolved], sort_keys=True, ensure_ascii=False, default=str
    )
    return hashlib.sha256(payload.encode()).hexdigest()


# ---------------------------------------------------------------------------------------------
# Upsert
# ---------------------------------------------------------------------------------------------


@dataclass
class ImportContext:
    """Look-ups shared by the rows of one import (sectors, fields, tiers, agencies)."""

    agencies: AgencyIndex
    tiers: dict[str, Tier]
    sectors: dict[str, Sector] = field(default_factory=dict)
    fields: dict[str, CatalogField] = field(default_factory=dict)

    @classmethod
    def load(cls) -> ImportContext:
        return cls(
            agencies=AgencyIndex.load(),
            tiers={t.code: t for t in Tier.objects.all()},
            sectors={s.code: s for s in Sector.objects.all()},
            fields={f.code: f for f in CatalogField.objects.all()},
        )

    def sector(self, name: str) -> Sector:
        code = slug(name)
        if code not in self.sectors:
            self.sectors[code], _ = Sector.objects.get_or_create(code=code, defaults={"name": name})
        return self.sectors[code]

    def field_for(self, name: str, sector: Sector) -> CatalogField:
        code = slug(name)
        if code not in self.fields:
            self.fields[code], _ = CatalogField.objects.get_or_create(
                code=code, defaults={"name": name, "sector": sector}
            )
        return self.fields[code]


def _agencies_for(record: dict[str, Any], ctx: ImportContext) -> list[Agency]:
    if record.get("agency_codes") is not None:
        return [
            ctx.agencies.by_code[c] for c in record["agency_codes"] if c in ctx.agencies.by_code
        ]
    return match_agencies(record.get("implementing_agency") or "", ctx.agencies)


def _parse_time(value: str | None) -> dt.time | None:
    return dt.time.fromisoformat(value) if value else None


def _parse_date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _sync_rows(model, procedure: Procedure, rows: list[dict[str, Any]]) -> None:
    """Make the procedure's ``model`` rows equal ``rows`` (in order), updating rows in place by
    position so their primary keys stay stable (dossier files point at components)."""
    existing = list(model.objects.filter(procedure=procedure).order_by("position", "pk"))
    changed, created = [], []
    for position, values in enumerate(rows):
        if position < len(existing):
            obj = existing[position]
            if obj.position != position or any(getattr(obj, k) != v for k, v in values.items()):
                obj.position = position
                for key, value in values.items():
                    setattr(obj, key, value)
                changed.append(obj)
        else:
            created.append(model(procedure=procedure, position=position, **values))
    if changed:
        model.objects.bulk_update(changed, ["position", *rows[0].keys()])
    if created:
        model.objects.bulk_create(created)
    surplus = [obj.pk for obj in existing[len(rows) :]]
    if surplus:
        model.objects.filter(pk__in=surplus).delete()


def _write_children(procedure: Procedure, record: dict[str, Any]) -> None:
    _sync_rows(
        ProcedureMethod,
        procedure,
        [
            {
                "method": m["method"],
                "time_amount": None if m["time_amount"] is None else Decimal(str(m["time_amount"])),
                "time_unit": m["time_unit"] or "",
                "time_text": m["time_text"],
                "time_basis": m["time_basis"],
                "cutoff": _parse_time(m["cutoff"]),
                "fee_text": m["fee_text"],
                "description": m["description"],
            }
            for m in record["methods"]
        ],
    )
    _sync_rows(
        FeeItem,
        procedure,
        [
            {
                "name": f["name"],
                "amount_vnd": f["amount_vnd"],
                "amount_text": f["amount_text"],
                "per": f["per"],
                "methods": f["methods"],
                "condition": f["condition"],
                "note": f["note"],
                "valid_from": _parse_date(f.get("valid_from")),
                "valid_to": _parse_date(f.get("valid_to")),
                "rate_percent": None
                if f.get("rate_percent") is None
                else Decimal(str(f["rate_percent"])).quantize(Decimal("0.01")),
                "rate_from": _parse_date(f.get("rate_from")),
                "rate_to": _parse_date(f.get("rate_to")),
                "rate_basis": f.get("rate_basis") or "",
            }
            for f in record["fee_items"]
        ],
    )
    _sync_rows(
        Component,
        procedure,
        [
            {
                "name": c["name"],
                "originals": c["originals"],
                "copies": c["copies"],
                "required": c["required"],
                "kind": c["kind"],
                "case": c["case"],
                "form_file_name": c["form_file"],
                "accepts_electronic_copy": c["accepts_electronic_copy"],
            }
            for c in record["components"]
        ],
    )
    _sync_rows(Step, procedure, [{"text": text} for text in record["steps"]])
    _sync_rows(
        LegalBasis,
        procedure,
        [
            {
                "number": lb["number"],
                "date": dt.date.fromisoformat(lb["date"]) if lb["date"] else None,
                "issuer": lb["issuer"],
                "title": lb["title"],
            }
            for lb in record["legal_basis"]
        ],
    )
    # Forms: one row per distinct template name; uploaded files are never dropped by a re-import.
    names = list(dict.fromkeys(c["form_file"] for c in record["components"] if c["form_file"]))
    procedure.forms.exclude(name__in=names).filter(file="").delete()
    existing = set(procedure.forms.values_list("name", flat=True))
    FormFile.objects.bulk_create(
        [FormFile(procedure=procedure, name=n) for n in names if n not in existing]
    )


def _apply_record(procedure: Procedure, record: dict[str, Any], ctx: ImportContext) -> None:
    sector = ctx.sector(record["sector"])
    level, level_source, level_basis = derive_level(record)
    methods = list(dict.fromkeys(m["method"] for m in record["methods"]))
    procedure.local_code = record["local_code"] or ""
    procedure.name = record["name"]
    procedure.sector = sector
    procedure.field = ctx.field_for(record["field"], sector)
    procedure.tiers_raw = record["levels_raw"] or ""
    procedure.implementing_agency_text = record["implementing_agency"] or ""
    procedure.competent_authority = record["competent_authority"] or ""
    procedure.coordinating_agency = record["coordinating_agency"] or ""
    procedure.level, procedure.level_source, procedure.level_basis = (
        level,
        level_source,
        level_basis,
    )
    procedure.online_class = record["online_class"]
    procedure.applicants = record["applicants"]
    procedure.applicants_raw = record["applicants_raw"] or ""
    procedure.conditions = record["conditions"]
    procedure.result = record["result"] or ""
    procedure.result_kind = record["result_kind"] or ""
    procedure.announcing_decision = record["announcing_decision"] or ""
    procedure.procedure_type = record["procedure_type"] or ""
    procedure.notes = record["notes"]
    procedure.unverified_fields = record["unverified_fields"]
    procedure.effective_from = (
        dt.date.fromisoformat(record["effective_from"]) if record["effective_from"] else None
    )
    procedure.effective_to = (
        dt.date.fromisoformat(record["effective_to"]) if record["effective_to"] else None
    )
    procedure.source_url = record["source_url"] or ""
    procedure.source_copy = record["source_copy"] or ""
    procedure.source_list_copy = record["source_list_copy"] or ""
    procedure.methods_available = methods
    procedure.has_online = "online" in methods
    for key, value in search_columns(record).items():
        setattr(procedure, key, value)


def upsert_procedure(
    *,
    record: dict[str, Any],
    actor: Any,
    ctx: ImportContext | None = None,
    request: Any = None,
    is_synthetic: bool = False,
) -> tuple[Procedure, str]:
    """Create or update the procedure with ``record['national_code']``; return it and what happened.

    Side effects: writes the procedure and all its parts, links tiers and agencies, publishes a new
    immutable version when the record's status is ``published`` and the content changed, and writes
    audit entries. A record identical to the last import changes nothing ("unchanged").
    """
    ctx = ctx or ImportContext.load()
    agencies = _agencies_for(record, ctx)
    digest = record_hash(record, agency_codes=[a.code for a in agencies])
    with transaction.atomic():
        procedure = (
            Procedure.objects.select_for_update().filter(code=record["national_code"]).first()
        )
        if procedure is not None and procedure.import_hash == digest:
            return procedure, "unchanged"
        outcome = "updated" if procedure else "created"
        procedure = procedure or Procedure(code=record["national_code"], is_synthetic=is_synthetic)
        before_status = procedure.status if outcome == "updated" else None
        _apply_record(procedure, record, ctx)
        procedure.import_hash = digest
        if outcome == "created":
            procedure.status = Procedure.Status.DRAFT
        procedure.save()
        procedure.tiers.set([ctx.tiers[t] for t in record["tiers"] if t in ctx.tiers])
        procedure.agencies.set(agencies)
        _write_children(procedure, record)
        bump_revision()
        audit_record(
            actor=actor,
            action=f"catalog.procedure.{outcome}",
            target=procedure,
            changes={"name": procedure.name, "import_hash": digest},
            request=request,
        )
        wanted = record.get("status") or Procedure.Status.PUBLISHED
        if wanted == Procedure.Status.PUBLISHED:
            publish_procedure(procedure=procedure, actor=actor, request=request)
        elif wanted == Procedure.Status.SUSPENDED and before_status != Procedure.Status.SUSPENDED:
            suspend_procedure(
                procedure=procedure, actor=actor, reason="Theo dữ liệu nhập", request=request
            )
        elif wanted == Procedure.Status.DRAFT and procedure.status != Procedure.Status.DRAFT:
            Procedure.objects.filter(pk=procedure.pk).update(status=Procedure.Status.DRAFT)
            procedure.status = Procedure.Status.DRAFT
    return procedure, outcome


def refresh_derived(*, procedure: Procedure) -> None:
    """Recompute level, methods and search columns after an edit in the back office."""

    record = procedure_record(procedure)
    record["level"] = (
        procedure.level if procedure.level_source == Procedure.LevelSource.SOURCE else None
    )
    level, source, basis = derive_level(record)
    methods = list(dict.fromkeys(procedure.methods.values_list("method", flat=True)))
    Procedure.objects.filter(pk=procedure.pk).update(
        level=level,
        level_source=source,
        level_basis=basis,
        methods_available=methods,
        has_online="online" in methods,
        **search_columns(record),
    )
    bump_revision()
    procedure.refresh_from_db()


# ---------------------------------------------------------------------------------------------
# Publishing
# ---------------------------------------------------------------------------------------------


def _snapshot_hash(snapshot: dict[str, Any]) -> str:
    content = {k: v for k, v in snapshot.items() if k != "status"}
    return hashlib.sha256(
        json.dumps(content, sort_keys=True, ensure_ascii=False, default=str).encode()
    ).hexdigest()


def publish_procedure(*, procedure: Procedure, actor: Any, request: Any = None) -> ProcedureVersion:
    """Publish the procedure as it stands now.

    Side effects: creates a new immutable ``ProcedureVersion`` when the content differs from the
    current version (otherwise reuses it), sets status ``published`` and writes an audit entry.
    """

    caller = procedure
    with transaction.atomic():
        procedure = Procedure.objects.select_for_update().get(pk=procedure.pk)
        snapshot = procedure_record(procedure)
        snapshot["status"] = Procedure.Status.PUBLISHED
        digest = _snapshot_hash(snapshot)
        current = procedure.current_version
        if current is not None and current.content_hash == digest:
            version = current
            if procedure.status == Procedure.Status.PUBLISHED:
                caller.status, caller.current_version = procedure.status, version
                return version
        else:
            last = (
                procedure.versions.order_by("-number").values_list("number", flat=True).first() or 0
            )
            version = ProcedureVersion.objects.create(
                procedure=procedure,
                number=last + 1,
                snapshot=snapshot,
                content_hash=digest,
                published_by=actor if getattr(actor, "pk", None) else None,
            )
        previous = procedure.status
        Procedure.objects.filter(pk=procedure.pk).update(
            status=Procedure.Status.PUBLISHED, current_version=version, updated_at=timezone.now()
        )
        bump_revision()
        audit_record(
            actor=actor,
            action="catalog.procedure.published",
            target=procedure,
            changes={"status": [previous, "published"], "version": version.number},
            request=request,
        )
    caller.status, caller.current_version = Procedure.Status.PUBLISHED, version
    return version


def suspend_procedure(
    *, procedure: Procedure, actor: Any, reason: str, request: Any = None
) -> bool:
    """Take a procedure off the public catalog (status ``suspended``); audited. Versions stay.
    Returns False, changing and recording nothing, for one already suspended."""
    with transaction.atomic():
        previous = (
            Procedure.objects.select_for_update()
            .values_list("status", flat=True)
            .get(pk=procedure.pk)
        )
        if previous == Procedure.Status.SUSPENDED:
            procedure.status = previous
            return False
        Procedure.objects.filter(pk=procedure.pk).update(
            status=Procedure.Status.SUSPENDED, updated_at=timezone.now()
        )
        procedure.status = Procedure.Status.SUSPENDED
        bump_revision()
        audit_record(
            actor=actor,
            action="catalog.procedure.suspended",
            target=procedure,
            changes={"status": [previous, "suspended"], "reason": reason},
            request=request,
        )
    return True


# ---------------------------------------------------------------------------------------------
# Whole-file import
# ---------------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Checked] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return self.created + self.updated


def import_records(
    *,
    checked: Iterable[Checked],
    actor: Any,
    partial: bool = False,
    progress: Callable[[Iterable[Checked]], Iterable[Checked]] | None = None,
) -> ImportResult:
    """Import validated rows in one transaction.

    Without ``partial`` nothing is written when any row has errors (the rejected rows are returned).
    With ``partial`` the good rows are imported and the bad ones returned for the report.
    Duplicate codes inside one file are errors. Side effects: see ``upsert_procedure``.
    """
    rows = list(checked)
    seen: dict[str, int] = {}
    for row in rows:
        code = row.record.get("national_code")
        if row.ok and code in seen:
            row.errors.append(
                RowError(row.row, "national_code", f"mã {code} trùng với dòng {seen[code]}")
            )
        elif row.ok and code:
            seen[code] = row.row
    result = ImportResult(rejected=[r for r in rows if not r.ok])
    if result.rejected and not partial:
        return result
    good = [r for r in rows if r.ok]
    ctx = ImportContext.load()
    with transaction.atomic():
        for row in progress(good) if progress else good:
            _, outcome = upsert_procedure(record=row.record, actor=actor, ctx=ctx)
            setattr(result, outcome, getattr(result, outcome) + 1)
    return result


def record_backoffice_edit(*, procedure: Procedure, actor: Any, request: Any = None) -> None:
    """After an edit in the back office: recompute derived values, audit the edit and, when the
    procedure is published, publish the edited content as a new version (so the public page always
    shows a frozen version)."""
    with transaction.atomic():
        refresh_derived(procedure=procedure)
        audit_record(
            actor=actor,
            action="catalog.procedure.edited",
            target=procedure,
            changes={"name": procedure.name},
            request=request,
        )
        if procedure.status == Procedure.Status.PUBLISHED:
            publish_procedure(procedure=procedure, actor=actor, request=request)
