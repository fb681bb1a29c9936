"""The citizen's document store (Kho quản lý dữ liệu điện tử, Regulation QĐ 31/2020/QĐ-UBND Art. 6.2)
and the online return of results (Art. 6.4).

Online return: a result is returned when it is **issued to the citizen** — signed, placed in their
store and notified — not when they download it (``result_issue``, run when the approval commits).
The on-time class is frozen at that moment (``return_result`` by the system, method ``online``);
later downloads are recorded (``ResultDownload``) and change nothing.

A result the applicant chose to receive at the one-stop office or by post (``dossiers.returns``) is
placed in their store all the same (a signed e-result has legal value, Art. 4.7), but the dossier is
returned when the office hands it over or the post delivers it, not at issuance.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q, Sum
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opendvc.accounts.permissions import can_act_for
from opendvc.audit.services import audit_record
from opendvc.core.files import removed_on_error, storage_access, stored_delete
from opendvc.core.links import absolute_url
from opendvc.core.prepared import PreparedRead
from opendvc.core.problems import ProblemError
from opendvc.core.statemachine import too_long
from opendvc.notifications.services import notify
from opendvc.surveys.services import survey_invite, survey_link
from opendvc.worktime import to_local

from .models import ShareAccess, ShareLink, StoredDocument

logger = logging.getLogger(__name__)

ISSUED_KINDS_RESULT = ("result",)


def _invalid(
    path: str, message: str, status: int = 422, code: str = "validation_error"
) -> ProblemError:
    return ProblemError(
        code, message, status=status, extra={"errors": [{"path": path, "message": message}]}
    )


# -- issued documents ------------------------------------------------------------------------------


def _dossier_with_parties(pk):
    from opendvc.dossiers.models import Dossier

    return Dossier.objects.select_related(
        "applicant", "acting_for", "receiving_agency", "procedure"
    ).filter(pk=pk)


def _results_of(dossier_id, kind):
    from opendvc.dossiers.models import DossierDocument

    return DossierDocument.objects.filter(dossier=dossier_id, kind=kind)


# The reads of every issued document and result, built once per process (``core.prepared``).
_STORED_OF = PreparedRead(
    lambda document_id: StoredDocument.objects.filter(dossier_document=document_id).order_by("pk")[
        :1
    ],
    1,
)
_DOSSIER_WITH_PARTIES = PreparedRead(_dossier_with_parties, 1)
_RESULTS_OF = PreparedRead(_results_of, 1, "kind")


def document_file(*, dossier_document, owner=None, organisation=None) -> StoredDocument:
    """Place a document the portal issued (a result, a receipt, a notice) in the applicant's store, by
    reference to the dossier's document (no copy of the bytes). Idempotent."""
    from opendvc.dossiers.lifecycle import Document

    existing = _STORED_OF.first(dossier_document.pk)
    if existing is not None:
        return existing
    dossier = dossier_document.dossier
    is_result = dossier_document.kind == Document.RESULT
    # The issued file's own size (it is filed once made). An object missing or unreadable in the
    # storage does not stop the issuance: the document is filed with its size unknown (0), as
    # ``unsized_documents`` are, and ``manage.py vault_fill_sizes`` reads it once it is back.
    size = 0
    if dossier_document.file:
        read = stored_size(dossier_document.file)
        if read.size is None:
            logger.warning(
                "%s of dossier %s filed in the store without its size: stored file %s %s",
                dossier_document.kind,
                dossier.code or dossier.pk,
                dossier_document.file.name,
                "missing" if read.missing else f"not read ({read.error})",
            )
        size = read.size or 0
    return StoredDocument.objects.create(
        owner=owner or dossier.applicant,
        organisation=organisation or dossier.acting_for,
        source=StoredDocument.Source.RESULT if is_result else StoredDocument.Source.RECEIPT,
        document_type=str(dossier_document.get_kind_display()),
        title=f"{dossier_document.get_kind_display()} — {dossier.code or ''}"[:300],
        issuer=dossier.receiving_agency.name[:300],
        number=(dossier.code or "")[:100],
        issued_on=to_local(dossier_document.created_at or timezone.now()).date(),
        original_name=dossier_document.filename,
        sha256=dossier_document.sha256,
        size=size,
        content_type="application/pdf",
        dossier_document=dossier_document,
    )


def returns_online(dossier) -> bool:
    """Whether the result of ``dossier`` goes back online: the applicant's choice, else the way they
    filed, where the level offers it (``dossiers.returns.return_method_default``)."""
    from opendvc.dossiers.returns import return_method_default

    return return_method_default(dossier=dossier) == "online"


def result_issue(*, dossier, request=None):
    """Issue a ready result to its applicant: every result document into their store, and — when the
    result goes back online (``returns_online``) — the ``return_result`` action by the system (the
    on-time class is frozen now) and one notice (email and in-app) with the store's link, the
    verification link and the satisfaction survey's (the approval sends none for such a result). A result that goes back at the
    counter or by post is only filed in the store: the dossier waits at ``result_ready`` for the
    hand-over. One transaction; a dossier not waiting at ``result_ready`` is left as it is."""
    from opendvc.dossiers.lifecycle import Action, Document, State
    from opendvc.dossiers.models import Dossier
    from opendvc.dossiers.services import dossier_act

    with transaction.atomic():
        fresh = _DOSSIER_WITH_PARTIES.first(dossier.pk)
        if fresh is None:
            raise Dossier.DoesNotExist(f"dossier {dossier.pk}")
        if fresh.status != State.RESULT_READY:
            return fresh
        results = _RESULTS_OF.list(fresh.pk, Document.RESULT.value)
        for doc in results:
            doc.dossier = fresh
        if any(not doc.file for doc in results):
            # A result still being made (and signed) out of the approval's request: issued when it
            # is (``handlers.file_rendered_documents``).
            return fresh
        for doc in results:
            document_file(dossier_document=doc)
        if not returns_online(fresh) or not results:
            return fresh
        done = dossier_act(
            dossier=fresh,
            action=Action.RETURN_RESULT,
            actor=None,
            system=True,
            request=request,
            method="online",
        )
        signed = next((d.signature for d in results if hasattr(d, "signature")), None)
        verify = ""
        if signed is not None:
            from opendvc.signing.services import verify_url

            verify = verify_url(code=done.code or "", key=signed.verify_key)
        # One message for the result and the satisfaction survey (the survey's own invitation, sent
        # when a dossier is returned, finds this one and sends nothing).
        invitation = survey_invite(dossier=done, notice=False)
        notify(
            template="result_issued",
            recipient=done.applicant,
            context={
                "code": done.code or "",
                "procedure": done.procedure.name,
                "agency": done.receiving_agency.name,
                "issued_at": to_local(done.finished_at).strftime("%H:%M %d/%m/%Y")
                if done.finished_at
                else "",
                "url": absolute_url("vault:home"),
                "verify_url": verify,
                "survey_url": survey_link(invitation) if invitation is not None else "",
            },
        )
        return done


def results_issue_pending(*, limit: int = 500) -> int:
    """Issue the results still waiting at ``result_ready`` that go back online (a failure when the
    approval committed is caught up here; run by the periodic jobs)."""
    from opendvc.dossiers.lifecycle import State
    from opendvc.dossiers.models import Dossier

    count = 0
    for d in (
        Dossier.objects.filter(status=State.RESULT_READY)
        .select_related("procedure")
        .order_by("pk")[:limit]
    ):
        if returns_online(d):
            try:
                if result_issue(dossier=d).status != State.RESULT_READY:
                    count += 1
            except ProblemError:
                logger.warning("result of %s not issued", d.code, exc_info=True)
    return count


# -- sizes recorded late ---------------------------------------------------------------------------


def unsized_documents():
    """Stored documents with a file but no size: those filed before the size was recorded (results
    and receipts), and the results the data migration ``0002_online_return_at_issuance`` placed in the
    stores (a migration reads no object from the storage). ``document_sizes_fill`` gives them theirs."""
    own = Q(dossier_document__isnull=True) & ~Q(file="")
    issued = Q(dossier_document__isnull=False) & ~Q(dossier_document__file="")
    return StoredDocument.objects.filter(own | issued, size=0)


@dataclass(frozen=True)
class StoredSize:
    """The size of a stored object as the storage gives it: ``size`` in bytes, or None when the
    object is not there (``missing``) or could not be read (``error``, why)."""

    size: int | None
    missing: bool = False
    error: str = ""


def stored_size(stored) -> StoredSize:
    """Read the size of ``stored`` (a ``FieldFile`` naming an object) from the storage, never
    raising: a missing object (a local file gone, a 404 from the bucket) and one that cannot be read
    (an outage, a refused request; logged) are told apart, not an error of the caller's."""
    from opendvc.core.files import object_missing

    try:
        return StoredSize(stored.storage.size(stored.name))
    except Exception as exc:  # noqa: BLE001 - an unreadable object must not stop the caller
        if object_missing(exc):
            return StoredSize(None, missing=True)
        logger.warning("size of stored file %s not read", stored.name, exc_info=True)
        return StoredSize(None, error=str(exc))


@dataclass
class SizesFilled:
    """What ``document_sizes_fill`` did: rows read, rows given their size, and the rows left as they
    were because their object is not in the storage (``missing``) or could not be read
    (``unreadable``, with the reason), as ``(public_id, stored name[, reason])``."""

    checked: int = 0
    filled: int = 0
    missing: list[tuple[str, str]] = field(default_factory=list)
    unreadable: list[tuple[str, str, str]] = field(default_factory=list)


def document_sizes_fill(
    *, batch_size: int = 500, dry_run: bool = False, progress=None
) -> SizesFilled:
    """Record the size of every document of ``unsized_documents`` from its stored object (its own
    file, or the issued dossier document's), ``batch_size`` rows at a time: the store's list and the
    API showed them as 0 bytes, and an upload without it was not counted in the quota
    (``owner_usage``). Idempotent; an object that is missing or cannot be read is reported and its
    row left at 0 (a later run tries it again). Each batch's sizes are written in one transaction
    with its audit entry; the objects are read before it, so no transaction waits on the storage.
    ``dry_run``: read the sizes, write nothing. ``progress(n)`` is told of each row read."""
    done = SizesFilled()
    last = 0
    while True:
        # By primary key, not by offset: the rows filled leave the set, the rows left stay in it.
        batch = list(
            unsized_documents()
            .filter(pk__gt=last)
            .select_related("dossier_document")
            .order_by("pk")[:batch_size]
        )
        if not batch:
            return done
        last = batch[-1].pk
        sizes = {}
        for doc in batch:
            stored = doc.stored
            read = stored_size(stored)
            if read.size is not None:
                sizes[doc.pk] = read.size
            elif read.missing:
                done.missing.append((str(doc.public_id), stored.name))
            else:
                done.unreadable.append((str(doc.public_id), stored.name, read.error))
            done.checked += 1
            if progress is not None:
                progress(1)
        sizes = {pk: size for pk, size in sizes.items() if size}
        if dry_run:
            done.filled += len(sizes)
            continue
        with transaction.atomic():
            # A row whose size was set meanwhile (``size=0`` no longer holds) keeps it.
            written = [
                size
                for pk, size in sizes.items()
                if StoredDocument.objects.filter(pk=pk, size=0).update(size=size)
            ]
            if written:
                audit_record(
                    actor=None,
                    action="vault.sizes_filled",
                    target=None,
                    changes={"filled": len(written), "bytes": sum(written)},
                )
        done.filled += len(written)


# -- the owner's uploads ---------------------------------------------------------------------------


def owner_usage(*, owner) -> int:
    return (
        StoredDocument.objects.filter(owner=owner, source=StoredDocument.Source.UPLOAD).aggregate(
            total=Sum("size")
        )["total"]
        or 0
    )


def _quota_check(*, owner, checked, quota: int) -> None:
    """Refuse (413) a file that would take the owner's uploads past ``quota`` bytes (0: no quota)."""
    if not quota:
        return
    used = owner_usage(owner=owner)
    if used + checked.size <= quota:
        return
    raise _invalid(
        "file",
        _(
            "Tệp “%(name)s” (%(size)s) không vừa kho dữ liệu: kho đã dùng %(used)s trên tối đa "
            "%(quota)s, còn trống %(free)s. Hãy xóa bớt giấy tờ hoặc chọn tệp nhỏ hơn."
        )
        % {
            "name": checked.name,
            "size": filesizeformat(checked.size),
            "used": filesizeformat(used),
            "quota": filesizeformat(quota),
            "free": filesizeformat(max(quota - used, 0)),
        },
        status=413,
        code="quota_exceeded",
    )


def _clean_text(value: str | None) -> str:
    """``value`` in NFC without invisible and bidi-control characters, spaces collapsed. A NUL is left
    for the request's own refusal ("ký tự NUL"), not silently dropped."""
    from opendvc.core.uploads import _strip_invisible

    parts = unicodedata.normalize("NFC", value or "").split("\x00")
    text = "\x00".join(_strip_invisible(part) for part in parts)
    return re.sub(r"\s+", " ", text).strip()


# The most characters each typed part of a stored document may hold (its column): a longer one is
# refused at its field, never cut (a cut number or issuer would be another paper's).
TEXT_LIMITS = {"document_type": 200, "title": 300, "issuer": 300, "number": 100}
TEXT_LABELS = {
    "document_type": gettext_lazy("Loại giấy tờ"),
    "title": gettext_lazy("Tên giấy tờ"),
    "issuer": gettext_lazy("Cơ quan cấp"),
    "number": gettext_lazy("Số"),
}


def document_field_errors(
    *,
    document_type: str,
    issued_on: date | None,
    expires_on: date | None,
    title: str = "",
    issuer: str = "",
    number: str = "",
) -> list[dict[str, str]]:
    """What is wrong with a stored document's type, texts and dates, as ``errors`` items (``path``,
    ``message``); empty when nothing is. The store's page checks them together with the file, so
    every error shows at once."""
    texts = {
        "document_type": _clean_text(document_type),
        "title": _clean_text(title),
        "issuer": _clean_text(issuer),
        "number": unicodedata.normalize("NFKC", _clean_text(number)),
    }
    document_type = texts["document_type"]
    errors = []
    if not document_type:
        errors.append({"path": "document_type", "message": _("Chọn hoặc nhập loại giấy tờ.")})
    for name, limit in TEXT_LIMITS.items():
        if len(texts[name]) > limit:
            errors.append(
                {
                    "path": name,
                    "message": f"{TEXT_LABELS[name]}: {too_long(limit, len(texts[name]))}",
                }
            )
    today = to_local(timezone.now()).date()
    if issued_on and not FIRST_DAY <= issued_on <= today:
        errors.append(
            {"path": "issued_on", "message": _("Ngày cấp phải từ 01/01/1900 đến hôm nay.")}
        )
    if expires_on and not FIRST_DAY <= expires_on <= LAST_DAY:
        errors.append(
            {"path": "expires_on", "message": _("Ngày hết hạn phải từ 01/01/1900 đến 31/12/2199.")}
        )
    if issued_on and expires_on and expires_on < issued_on:
        errors.append({"path": "expires_on", "message": _("Ngày hết hạn phải sau ngày cấp.")})
    return errors


def document_upload(
    *,
    owner,
    checked,
    document_type: str,
    title: str = "",
    issuer: str = "",
    number: str = "",
    issued_on: date | None = None,
    expires_on: date | None = None,
    organisation=None,
    request=None,
) -> StoredDocument:
    """Store an uploaded document (a checked file, ``dossiers.uploads.check_file``) with its type, issuer,
    number and dates, within the owner's quota (``VAULT_QUOTA_BYTES``). A storage that cannot be
    written now refuses the upload (``core.files.StorageUnavailable``, 503) and no row is written; a
    file stored before a row that fails is removed again (``core.files.removed_on_error``)."""
    # What the owner typed is kept without invisible and bidi-control characters (a right-to-left
    # override would show the issuer or number reversed), NFC; the number also NFKC (full-width digits).
    document_type, title, issuer = (_clean_text(v) for v in (document_type, title, issuer))
    number = unicodedata.normalize("NFKC", _clean_text(number))
    errors = document_field_errors(
        document_type=document_type,
        issued_on=issued_on,
        expires_on=expires_on,
        title=title,
        issuer=issuer,
        number=number,
    )
    if errors:
        raise ProblemError(
            "validation_error", _("Thông tin giấy tờ chưa hợp lệ."), extra={"errors": errors}
        )
    quota = int(getattr(settings, "VAULT_QUOTA_BYTES", 0) or 0)
    # Checked first without a lock, so a file that cannot fit is refused before it is stored.
    _quota_check(owner=owner, checked=checked, quota=quota)
    doc = StoredDocument(
        owner=owner,
        organisation=organisation,
        source=StoredDocument.Source.UPLOAD,
        document_type=document_type,
        title=title or document_type,
        issuer=issuer,
        number=number,
        issued_on=issued_on,
        expires_on=expires_on,
        original_name=checked.name[:255],
        sha256=checked.sha256,
        size=checked.size,
        content_type=checked.content_type,
    )
    stored: list[str] = []
    with removed_on_error(stored):
        with storage_access():
            doc.file.save(checked.name, ContentFile(checked.content), save=False)
        stored.append(doc.file.name)
        with transaction.atomic():
            if quota:
                # Checked again holding the owner's row, so two uploads at once cannot both pass on
                # the same usage and together exceed the quota (the second waits for the first).
                list(get_user_model().objects.select_for_update().filter(pk=owner.pk).values("pk"))
                _quota_check(owner=owner, checked=checked, quota=quota)
            doc.save()
            audit_record(
                actor=owner,
                action="vault.upload",
                target=doc,
                changes={"document_type": doc.document_type, "size": doc.size},
                request=request,
            )
    return doc


def document_delete(*, document: StoredDocument, actor, request=None) -> None:
    """Delete the owner's own upload. Issued results and receipts stay (the law keeps them). The bytes
    stay while a dossier refers to them (reuse is by reference); a storage that cannot delete them
    just now leaves them, logged (``core.files.stored_delete``), and the deletion stands."""
    from opendvc.dossiers.models import DossierFile

    if document.owner_id != actor.pk:
        raise ProblemError("not_found", _("Không có giấy tờ này."), status=404)
    if document.source != StoredDocument.Source.UPLOAD:
        raise ProblemError(
            "conflict",
            _("Kết quả và giấy tờ do cơ quan cấp được lưu giữ, không xóa được."),
            status=409,
        )
    name = document.file.name
    with transaction.atomic():
        # The row is locked and read again: of two deletions sent together only one deletes (and is
        # audited); the other finds nothing, as a later one does.
        locked = StoredDocument.objects.select_for_update().filter(pk=document.pk).first()
        if locked is None:
            raise ProblemError("not_found", _("Không có giấy tờ này."), status=404)
        document = locked
        audit_record(
            actor=actor,
            action="vault.delete",
            target=document,
            changes={"document_type": document.document_type},
            request=request,
        )
        document.delete()
        in_use = DossierFile.objects.filter(file=name).exists()
    if name and not in_use:
        transaction.on_commit(lambda: stored_delete(name))


# The dates a stored document may carry: issued by today, and neither date before 1900 or, for an
# expiry, after 2199 (a typing slip such as 01/01/0001 or 31/12/9999; no expiry is left empty).
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2199, 12, 31)


def owner_documents(*, owner):
    return StoredDocument.objects.filter(Q(owner=owner)).select_related(
        "dossier_document__dossier__procedure", "dossier_document__signature"
    )


def organisation_documents(*, organisation):
    """The organisation's store (Regulation Art. 6.2: every person and organisation has one): the
    results and receipts issued to dossiers filed in its name, and what its members stored for it,
    whoever of its members filed or stored them. Newest first."""
    return (
        StoredDocument.objects.filter(organisation=organisation)
        .select_related(
            "owner", "dossier_document__dossier__procedure", "dossier_document__signature"
        )
        .order_by("-created_at", "-pk")
    )


def document_readable(*, document: StoredDocument, user) -> bool:
    """Whether ``user`` may read ``document``: its owner, or — for a document of an organisation —
    whoever may act for the organisation (its representative and the staff it authorised), so that
    the organisation keeps its results when the member who filed leaves it. Sharing and deleting stay
    with the owner."""
    if document.owner_id == getattr(user, "pk", None):
        return True
    return bool(document.organisation_id) and can_act_for(user, document.organisation)


def document_withheld(document: StoredDocument) -> ProblemError | None:
    """Why ``document`` cannot be read or shared from the store yet, or None: a result filed in the
    store when it was approved, of a dossier whose result is collected at the counter or by post and
    is not handed over yet (``dossiers.results.result_withheld``)."""
    if document.source != StoredDocument.Source.RESULT or not document.dossier_document_id:
        return None
    from opendvc.dossiers.results import result_withheld

    return result_withheld(dossier=document.dossier_document.dossier)


# -- reuse in a new dossier ------------------------------------------------------------------------


def _norm(text: str) -> str:
    text = (text or "").replace("Đ", "D").replace("đ", "d")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


# Words that name no paper by themselves ("Giấy tờ", "Bản sao", "Hộ"…): a type made only of these, or of
# words shorter than three letters, matches no component.
_GENERIC_WORDS = frozenset(
    [
        "giay",
        "to",
        "ban",
        "sao",
        "chinh",
        "cua",
        "va",
        "hoac",
        "cho",
        "the",
        "so",
        "don",
        "ho",
        "co",
        "ve",
        "theo",
        "mau",
        "tai",
        "lieu",
        "van",
        "khac",
    ]
)


def _meaningful(words: list[str]) -> bool:
    return any(len(w) >= 3 and w not in _GENERIC_WORDS for w in words)


def _phrase_in(short: list[str], long: list[str]) -> bool:
    n = len(short)
    return any(long[i : i + n] == short for i in range(len(long) - n + 1))


def type_matches(*, component, document: StoredDocument) -> bool:
    """A stored document fits a component when its document type names the component's paper: the
    type's words appear, whole and in order, in the component's name, or the other way round (ignoring
    case and accents), and the shorter of the two says something (not only "Giấy tờ", "Hộ", "CC").
    The same rule decides what the filing page offers and what it accepts."""
    a, b = _norm(document.document_type).split(), _norm(getattr(component, "name", "")).split()
    if not (a and b):
        return False
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    return _meaningful(short) and _phrase_in(short, long)


def reusable_for(*, owner, component) -> list[StoredDocument]:
    """The owner's documents that may fill ``component``: matching type, not expired."""
    return [
        d
        for d in owner_documents(owner=owner).exclude(source=StoredDocument.Source.RECEIPT)
        if not d.expired
        and type_matches(component=component, document=d)
        and document_withheld(d) is None
    ]


def filing_offer(*, owner, components) -> dict[int, list[StoredDocument]]:
    """For the filing page: per component (by pk), the owner's stored documents of the matching type —
    expired ones included (shown, with the reason, but not selectable). Issued receipts are not offered."""
    docs = list(owner_documents(owner=owner).exclude(source=StoredDocument.Source.RECEIPT)[:500])
    offered = {c.pk: [d for d in docs if type_matches(component=c, document=d)] for c in components}
    # A result not handed over yet is not offered (``_reference`` refuses it).
    held = {d.pk for ds in offered.values() for d in ds if document_withheld(d) is not None}
    return {pk: [d for d in ds if d.pk not in held] for pk, ds in offered.items()}


def filing_references(*, owner, chosen) -> tuple[list, list[str]]:
    """The chosen stored documents as ``(component, reference)`` pairs for
    ``dossier_update_draft(reuse_files=...)`` (by reference, no copy), and the Vietnamese reasons for the
    ones refused: not the owner's, expired, or of another type. ``chosen``: ``(component, public_id)``."""
    ids = [str(pid) for _c, pid in chosen]
    docs = {
        str(d.public_id): d for d in owner_documents(owner=owner).filter(public_id__in=_uuids(ids))
    }
    refs, errors = [], []
    for component, pid in chosen:
        doc = docs.get(str(pid))
        if doc is None:
            errors.append(_("Không có giấy tờ này trong kho dữ liệu của bạn."))
        elif doc.expired:
            errors.append(
                _("“%(t)s” đã hết hạn ngày %(d)s; không dùng lại được.")
                % {"t": str(doc), "d": doc.expires_on.strftime("%d/%m/%Y")}
            )
        elif not type_matches(component=component, document=doc):
            errors.append(
                _("Loại giấy tờ “%(t)s” không khớp với “%(c)s”.")
                % {"t": doc.document_type, "c": component.name}
            )
        else:
            try:
                refs.append((component, _reference(doc)))
            except ProblemError as exc:
                errors.append(exc.detail)
    return refs, errors


def _uuids(values: list[str]) -> list[str]:
    import uuid

    out = []
    for v in values:
        try:
            out.append(str(uuid.UUID(v)))
        except ValueError:
            continue
    return out


class _Reference:
    """The shape ``dossier_update_draft(reuse_files=...)`` takes: the same stored object, no copy."""

    def __init__(self, doc: StoredDocument, size: int) -> None:
        self.original_name = doc.original_name or f"{doc.document_type}.pdf"
        self.file = doc.stored
        self.sha256 = doc.sha256
        self.size = size
        self.content_type = doc.content_type or "application/pdf"


def _reference(doc: StoredDocument) -> _Reference:
    """``doc`` as a reference to its stored object, once the storage has it (its size read there for
    an unsized row): a dossier is not filed with a paper whose file is gone (404 ``file_missing``:
    upload it again) or could not be read just now (503 ``storage_unavailable``: try again). A result
    the store does not open yet (``document_withheld``: collected at the counter or by post and not
    handed over) is not passed on in a dossier either, where its file would open."""
    withheld = document_withheld(doc)
    if withheld is not None:
        raise withheld
    read = stored_size(doc.stored) if doc.stored else StoredSize(None, missing=True)
    if read.missing:
        raise ProblemError(
            "file_missing",
            _(
                "Tệp của giấy tờ “%(t)s” không còn trong kho lưu trữ của Cổng; hãy tải giấy tờ lên lại."
            )
            % {"t": doc.display_title},
            status=404,
        )
    if read.size is None:
        raise ProblemError(
            "storage_unavailable",
            _(
                "Chưa đọc được tệp của giấy tờ “%(t)s”: kho lưu trữ tạm thời gián đoạn. Vui lòng thử "
                "lại sau ít phút."
            )
            % {"t": doc.display_title},
            status=503,
        )
    return _Reference(doc, doc.size or read.size)


def document_reuse(*, dossier, component, document: StoredDocument, actor, request=None):
    """Attach a stored document to a draft dossier's component by reference (the dossier's file row
    points at the same stored object). Refused for someone else's document, an expired one, or one
    whose type does not match the component."""
    from opendvc.dossiers.services import dossier_update_draft

    if document.owner_id != actor.pk:
        raise ProblemError("not_found", _("Không có giấy tờ này."), status=404)
    if document.expired:
        raise _invalid(
            "document",
            _("Giấy tờ đã hết hạn ngày %(d)s; không dùng lại được.")
            % {"d": document.expires_on.strftime("%d/%m/%Y")},
        )
    if component is None or component.procedure_id != dossier.procedure_id:
        raise _invalid("component", _("Thành phần hồ sơ không thuộc thủ tục này."))
    if not type_matches(component=component, document=document):
        raise _invalid(
            "document",
            _("Loại giấy tờ “%(t)s” không khớp với “%(c)s”.")
            % {"t": document.document_type, "c": component.name},
        )
    from opendvc.dossiers.uploads import UploadError

    try:
        return dossier_update_draft(
            dossier=dossier,
            actor=actor,
            reuse_files=[(component, _reference(document))],
            request=request,
        )
    except UploadError as exc:
        raise ProblemError("payload_too_large", exc.message, status=413) from exc


# -- sharing ---------------------------------------------------------------------------------------


def share_create(*, document: StoredDocument, actor, days: int, request=None) -> ShareLink:
    """A link to read ``document`` for ``days`` days (at most ``VAULT_SHARE_MAX_DAYS``)."""
    if document.owner_id != actor.pk:
        raise ProblemError("not_found", _("Không có giấy tờ này."), status=404)
    longest = int(getattr(settings, "VAULT_SHARE_MAX_DAYS", 30))
    if isinstance(days, bool) or not isinstance(days, int) or days < 1 or days > longest:
        raise _invalid("days", _("Thời hạn chia sẻ từ 1 đến %(n)s ngày.") % {"n": longest})
    withheld = document_withheld(document)
    if withheld is not None:
        raise withheld
    if document.expired and document.source == StoredDocument.Source.UPLOAD:
        # An expired paper is no longer valid (the store marks it "không dùng lại được"): it is not
        # passed on as if it were. Results issued by an agency stay shareable; their shared view
        # states the expiry.
        raise _invalid(
            "document",
            _("Giấy tờ đã hết hạn ngày %(d)s; không chia sẻ được.")
            % {"d": document.expires_on.strftime("%d/%m/%Y")},
            status=409,
            code="conflict",
        )
    with transaction.atomic():
        link = ShareLink.objects.create(
            document=document, expires_at=timezone.now() + timedelta(days=days)
        )
        audit_record(
            actor=actor,
            action="vault.share",
            target=document,
            changes={"days": days},
            request=request,
        )
    return link


def owner_share_links(*, owner, recent_days: int = 30) -> dict[int, list[ShareLink]]:
    """The owner's share links by document: the active ones and those that ended (expired or revoked)
    in the last ``recent_days`` days, newest first, each with its number of reads (``reads``) and the
    time of the last one (``last_read_at``): the access log the owner sees."""
    from django.db.models import Count, Max

    since = timezone.now() - timedelta(days=recent_days)
    links = (
        ShareLink.objects.filter(document__owner=owner, expires_at__gte=since)
        .filter(Q(revoked_at__isnull=True) | Q(revoked_at__gte=since))
        .annotate(reads=Count("accesses"), last_read_at=Max("accesses__at"))
        .order_by("-created_at", "-pk")
    )
    out: dict[int, list[ShareLink]] = {}
    for link in links:
        out.setdefault(link.document_id, []).append(link)
    return out


def _share_end(link: ShareLink, *, at, actor, request, changes: dict) -> None:
    """End ``link`` at ``at`` and audit it (the owner's revoke, or the account's closing)."""
    link.revoked_at = at
    link.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor,
        action="vault.share_revoke",
        target=link.document,
        changes=changes,
        request=request,
    )


def share_revoke(*, link: ShareLink, actor, request=None) -> ShareLink:
    if link.document.owner_id != actor.pk:
        raise ProblemError("not_found", _("Không có liên kết này."), status=404)
    if link.revoked_at is None:
        _share_end(link, at=timezone.now(), actor=actor, request=request, changes={})
    return link


def shares_end_for_closed_account(*, owner, actor=None, request=None) -> int:
    """End every share link of ``owner`` that still opens a document, when their account is closed at
    their request: what they shared is no longer read through them once their personal data is erased
    (Decree 13/2023/NĐ-CP, Art. 16). Audited per document; the number of links ended."""
    now = timezone.now()
    links = list(
        ShareLink.objects.filter(
            document__owner=owner, revoked_at__isnull=True, expires_at__gt=now
        ).select_related("document")
    )
    for link in links:
        _share_end(link, at=now, actor=actor, request=request, changes={"reason": "account_closed"})
    return len(links)


def share_open(
    *, token: str, ip: str | None = None, user_agent: str = "", record: bool = True
) -> StoredDocument:
    """The document behind an active share link; the access is logged (unless ``record`` is false: the
    notice shown before an expired document is opened). 404 for an unknown, expired or revoked link
    (no difference is told)."""
    link = (
        ShareLink.objects.select_related("document__dossier_document__dossier__procedure")
        .filter(token=token)
        .first()
    )
    if link is None or not link.active or document_withheld(link.document) is not None:
        raise ProblemError("not_found", _("Liên kết không tồn tại hoặc đã hết hạn."), status=404)
    if record:
        ShareAccess.objects.create(link=link, ip=ip or None, user_agent=(user_agent or "")[:300])
    return link.document


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def describe(doc: StoredDocument) -> dict[str, Any]:
    """The API shape of a stored document."""
    signature = (
        getattr(doc.dossier_document, "signature", None) if doc.dossier_document_id else None
    )
    return {
        "id": str(doc.public_id),
        "source": doc.source,
        "document_type": doc.document_type,
        "title": doc.title,
        "issuer": doc.issuer,
        "number": doc.number,
        "issued_on": doc.issued_on,
        "expires_on": doc.expires_on,
        "expired": doc.expired,
        "reusable": not doc.expired and doc.source != StoredDocument.Source.RECEIPT,
        "size": doc.size,
        "sha256": doc.sha256,
        "dossier_code": doc.dossier_document.dossier.code if doc.dossier_document_id else None,
        "signed": signature is not None,
        "created_at": doc.created_at,
    }
