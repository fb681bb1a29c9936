"""Handlers of the filing and intake actions (``submit``, ``resubmit``, ``receive``,
``return_for_completion``): what they do besides changing the state. They run inside the engine's
transaction with the dossier row locked (``transitions``) and never set the state themselves.

Regulation (QĐ 31/2020/QĐ-UBND) Art. 14.3–14.5 (profile, declaration), Decree 61/2018/NĐ-CP Art. 15–16
(completion requested once, fully) and Art. 19 (receipt with the appointment date).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opendvc.accounts import crypto
from opendvc.catalog.models import Component, Procedure
from opendvc.catalog.text import fold
from opendvc.core.problems import ProblemError
from opendvc.core.quoting import quoting
from opendvc.core.statemachine import Outcome

from .. import codes, eforms_bridge, returns
from ..appointments import appointment_for_receipt, due_for
from ..lifecycle import Action, Role, State
from ..models import Channel, Dossier, DossierEvent, DossierFile, Upload
from ..uploads import UploadError, check_total
from . import processing


def filing_components(dossier: Dossier, *, components, attached: set[int]) -> None:
    """For a dossier filed as it is created (``dossier_submit_new``): its procedure's components (as
    read by the caller) and the ids of those its files are attached to, so that the checks below need
    not read back what the same transaction writes."""
    dossier.filing_components = (list(components), set(attached))


def component_label(name: str, limit: int = 100) -> str:
    """A component's name short enough for a message: its first sentence, cut at a word before
    ``limit`` characters (with "…"), without the closing punctuation."""
    text = " ".join((name or "").split())
    for stop in (". ", "; ", ": "):
        head = text.split(stop, 1)[0]
        if len(head) >= 20:
            text = head
    text = text.rstrip(" .;:,")
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0].rstrip(" .;:,(") + "…"
    return text


@dataclass(frozen=True)
class CaseChoice:
    """The cases (trường hợp) under which a procedure lists required components, in order, and whether
    one must be chosen: when every component is listed under a case, the required papers are those of
    the applicant's case. When some components are listed outside any case, those are required of
    everyone and the cases add papers for particular situations (an authorised filer…): choosing one
    is then optional."""

    cases: tuple[str, ...]
    required: bool

    def resolve(self, case: str | None) -> str:
        """The case that applies: ``case`` when it is one of the cases; the only case when one must be
        chosen and there is one; otherwise none ("")."""
        case = " ".join((case or "").split())
        for c in self.cases:
            if " ".join(c.split()) == case and case:
                return c
        if self.required and len(self.cases) == 1:
            return self.cases[0]
        return ""


def case_choice(components) -> CaseChoice:
    submitted = [c for c in components if c.kind == Component.Kind.SUBMIT]
    cases = tuple(dict.fromkeys(c.case for c in submitted if c.case and c.required))
    return CaseChoice(cases=cases, required=bool(cases) and all(c.case for c in submitted))


def required_components(components, case: str | None) -> list:
    """The components a dossier must attach: the required ones listed outside any case and, for the
    case that applies (``CaseChoice.resolve``), the required ones of that case."""
    chosen = case_choice(components).resolve(case)
    return [c for c in components if c.required and c.kind == Component.Kind.SUBMIT
            and (c.case == "" or (chosen and c.case == chosen))]


def case_known(components, case: str | None) -> bool:
    """``case`` is empty or one of the cases the procedure lists its components under."""
    given = " ".join((case or "").split())
    return not given or given in {" ".join(c.case.split()) for c in components if c.case}


def case_errors(components, case: str | None) -> list[dict[str, Any]]:
    """What is wrong with the applicant's ``case`` for the procedure's ``components``, as ``{path,
    message}`` (path ``case``; the cases to choose from in ``choices``)."""
    choice = case_choice(components)
    given = " ".join((case or "").split())
    if not case_known(components, given):
        return [{"path": "case", "message": _("Trường hợp đã chọn không có trong thủ tục này."),
                 "choices": list(choice.cases)}]
    if choice.required and not choice.resolve(given):
        return [{"path": "case", "message": _("Hãy chọn trường hợp của hồ sơ để biết giấy tờ nào phải nộp."),
                 "choices": list(choice.cases)}]
    return []


def missing_message(component) -> str:
    # The paper's name is the procedure's (Vietnamese): marked so on an English page.
    return quoting(_("Chưa đính kèm giấy tờ bắt buộc: %(name)s"), {"name": component_label(component.name)})


def _missing_components(dossier: Dossier) -> list:
    known = getattr(dossier, "filing_components", None)
    if known is not None:
        components, attached = known
    else:
        components = list(Component.objects.filter(procedure_id=dossier.procedure_id))
        attached = set(DossierFile.objects.filter(dossier=dossier, component__isnull=False)
                       .values_list("component_id", flat=True))
    return [c for c in required_components(components, dossier.case) if c.pk not in attached]


def _filing_components(dossier: Dossier) -> list:
    known = getattr(dossier, "filing_components", None)
    if known is not None:
        return known[0]
    return list(Component.objects.filter(procedure_id=dossier.procedure_id))


DECLARATION_TEXT = gettext_lazy(
    "Tôi xin cam đoan những thông tin kê khai là đúng sự thật và chịu trách nhiệm trước pháp luật "
    "về lời khai của mình."
)


def dossier_profile_missing(*, applicant, procedure) -> list[dict[str, str]]:
    """What the applicant's profile lacks to file ``procedure`` online (Regulation Art. 14.3): the
    profile items its e-form takes from the profile, as ``{"source", "label"}``. Empty for a procedure
    below level 3 or without an e-form. No side effects."""
    if procedure.level < Procedure.Level.ONLINE:
        return []
    form_version = eforms_bridge.form_for(procedure)
    if form_version is None:
        return []
    return eforms_bridge.profile_missing(user=applicant, form_version=form_version)


def check_submission(dossier: Dossier) -> dict[str, Any]:
    """Form data valid, required components attached and, online, the applicant's profile complete
    enough for the procedure; returns fields to set."""
    errors: list[dict[str, str]] = []
    fields: dict[str, Any] = {}
    form_version = eforms_bridge.form_for(dossier.procedure)
    # A dossier brought to the counter or sent by post carries its declaration on paper: the e-form is
    # checked when it was filled (online, or data the officer entered), not demanded of a paper dossier.
    online = dossier.channel in (Channel.ONLINE, Channel.NATIONAL_PORTAL)
    if form_version is not None and (online or dossier.form_data):
        try:
            fields["form_data"] = eforms_bridge.validate(form_version=form_version, data=dossier.form_data or {})
            fields["form_version_id"] = form_version.pk
        except eforms_bridge.FormInvalid as exc:
            errors.extend({"path": f"data.{e.get('path', '')}", "message": e.get("message", "")} for e in exc.errors)
    if dossier.channel in (Channel.ONLINE, Channel.NATIONAL_PORTAL):
        # The papers required of the applicant's case (the procedure's components grouped by case).
        components = _filing_components(dossier)
        errors.extend(case_errors(components, dossier.case))
        chosen = case_choice(components).resolve(dossier.case)
        if chosen != (dossier.case or ""):
            fields["case"] = chosen
        for c in _missing_components(dossier):
            errors.append({"path": "files", "message": missing_message(c)})
    if dossier.channel == Channel.ONLINE:
        for item in dossier_profile_missing(applicant=dossier.applicant, procedure=dossier.procedure):
            errors.append({"path": f"profile.{item['source']}",
                           "message": _("Thông tin cá nhân chưa có: %(label)s") % {"label": item["label"]}})
    errors.extend(_return_choice_errors(dossier))
    if errors:
        raise ProblemError("validation_error", _("Hồ sơ chưa đủ điều kiện để nộp; xem danh sách lỗi."),
                           extra={"errors": errors})
    return fields


def _return_choice_errors(dossier: Dossier) -> list[dict[str, str]]:
    """The applicant's choice of how to receive the result, checked again as it is filed: online is
    refused when the procedure's level no longer offers it (Regulation Art. 2.13)."""
    method = returns.chosen_method(dossier)
    if method is None:
        return []
    try:
        returns.choice_clean(procedure=dossier.procedure, method=method, address=returns.chosen_address(dossier))
    except ProblemError as exc:
        return list(exc.extra.get("errors") or [])
    return []


def _check_filing(dossier: Dossier, inputs, *, now, role) -> dict[str, Any]:
    """``check_submission`` plus, when the applicant files online, the declaration (Regulation Art.
    14.5); every problem is reported at once. Returns the fields to set, with ``declared_at``."""
    errors: list[dict[str, str]] = []
    fields: dict[str, Any] = {}
    try:
        fields = check_submission(dossier)
    except ProblemError as exc:
        errors = list(exc.extra.get("errors") or [])
    if role == Role.APPLICANT and dossier.channel in (Channel.ONLINE, Channel.NATIONAL_PORTAL):
        if inputs.get("declaration") is True:
            fields["declared_at"] = now
        else:
            errors.append({"path": "declaration",
                           "message": _("Hãy đánh dấu lời cam đoan trước khi nộp hồ sơ.")})
    if errors:
        raise ProblemError("validation_error", _("Hồ sơ chưa đủ điều kiện để nộp; xem danh sách lỗi."),
                           extra={"errors": errors})
    return fields


def on_submit(dossier: Dossier, inputs, *, now, role, actor) -> Outcome:
    if role == Role.RECEIVING_OFFICER and dossier.channel in (Channel.ONLINE, Channel.NATIONAL_PORTAL):
        raise ProblemError("permission_denied", _("Hồ sơ trực tuyến do chính người nộp gửi đi."), status=403)
    fields = _check_filing(dossier, inputs, now=now, role=role)
    key = codes.new_lookup_key()
    fields.update(
        code=codes.allocate_code(agency=dossier.receiving_agency, at=now),
        submitted_at=now,
        lookup_key_hash=codes.hash_lookup_key(key),
        lookup_key_ciphertext=crypto.encrypt(key),
    )
    data = {"channel": dossier.channel}
    if returns.chosen_method(dossier):
        data["return_method"] = returns.chosen_method(dossier)
    return Outcome(fields, data)


def on_resubmit(dossier: Dossier, inputs, *, now, role, actor) -> Outcome:
    fields = _check_filing(dossier, inputs, now=now, role=role)
    fields.update(submitted_at=now, completion_items=[])
    last = _completion_returns(dossier).last()
    snapshot = (last.data or {}).get("snapshot") if last is not None else None
    # What the applicant changed since the return: the officer may ask again only about that.
    return Outcome(fields, {"changes": _changes_since(snapshot, dossier) if snapshot is not None else None})


def receives_itself(dossier: Dossier) -> bool:
    """Whether the system receives this filed dossier without an officer: its procedure is marked for
    automatic intake, it was filed online, it is complete (the submission checks passed: form valid,
    every required component attached; a procedure whose required papers depend on the applicant's case
    is left to an officer, who judges the case) and the procedure states a time, so the appointment is
    computed as an officer's intake would compute it (``due_for``)."""
    procedure = dossier.procedure
    if dossier.status != State.SUBMITTED or not procedure.auto_receive:
        return False
    if dossier.channel not in (Channel.ONLINE, Channel.NATIONAL_PORTAL):
        return False
    known = getattr(dossier, "filing_components", None)
    if known is not None:
        by_case = any(c.required and c.kind == Component.Kind.SUBMIT and c.case != "" for c in known[0])
    else:
        by_case = Component.objects.filter(procedure_id=procedure.pk, required=True,
                                           kind=Component.Kind.SUBMIT).exclude(case="").exists()
    if by_case:
        return False
    if _missing_components(dossier):
        return False
    return due_for(dossier, timezone.now())[0] is not None


def on_receive(dossier: Dossier, inputs, *, now, role, actor) -> Outcome:
    appointment = appointment_for_receipt(dossier=dossier, at=now, given=inputs.get("due_at"))
    due, version = appointment.due_at, appointment.calendar_version
    return Outcome({"received_at": now, "due_at": due, "calendar_version": version},
                    {"due_at": due.isoformat(), "calendar_version": version})


def _completion_returns(dossier: Dossier):
    return DossierEvent.objects.filter(dossier=dossier, action=Action.RETURN_FOR_COMPLETION).order_by("at", "pk")


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _dossier_snapshot(dossier: Dossier) -> dict[str, Any]:
    """What the applicant can change while completing: the files per component and each form field."""
    return {
        "files": [[f.component_name or f.original_name, f.sha256] for f in dossier.files.all()],
        "form": {str(k): _digest(v) for k, v in (dossier.form_data or {}).items()},
    }


def _changes_since(snapshot: dict[str, Any], dossier: Dossier) -> list[str]:
    """Names of the components whose files and of the form fields whose values differ from ``snapshot``."""
    now = _dossier_snapshot(dossier)

    def by_name(rows):
        out: dict[str, set[str]] = {}
        for name, sha in rows:
            out.setdefault(name, set()).add(sha)
        return out

    before, after = by_name(snapshot.get("files") or []), by_name(now["files"])
    changed = [name for name in dict.fromkeys([*before, *after]) if before.get(name) != after.get(name)]
    old_form, new_form = snapshot.get("form") or {}, now["form"]
    changed += [key for key in dict.fromkeys([*old_form, *new_form]) if old_form.get(key) != new_form.get(key)]
    return changed


def _covered(change: str, items: list[str]) -> bool:
    """A change is covered by a listed item when one names the other (accents, case, ``_`` ignored)."""
    name = fold(change)
    return bool(name) and any(name in fold(item) or (fold(item) and fold(item) in name) for item in items)


def _once(items: list[str]) -> list[str]:
    """The items with repetitions removed (the same words, whatever the accents and case), in order."""
    seen: set[str] = set()
    out = []
    for item in items:
        key = fold(item)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def on_return_for_completion(dossier: Dossier, inputs, *, now, role, actor) -> Outcome:
    """NĐ 61/2018, Art. 15.2 and 16: the one-stop office guides the applicant to complete the dossier
    once, listing everything (``hướng dẫn một lần, đầy đủ``). A later return of the same dossier is
    refused unless the resubmission changed something the earlier lists did not cover (a paper or a
    field the applicant added or changed beyond what was asked); the notice then shows the earlier
    lists as well."""
    items = _once(inputs["items"])
    data: dict[str, Any] = {"items": items, "snapshot": _dossier_snapshot(dossier)}
    earlier = list(_completion_returns(dossier))
    if earlier:
        earlier_items = _once([i for e in earlier for i in (e.data or {}).get("items") or []])
        resubmit = DossierEvent.objects.filter(dossier=dossier, action=Action.RESUBMIT,
                                               pk__gt=earlier[-1].pk).order_by("pk").last()
        changes = (resubmit.data or {}).get("changes") if resubmit is not None else []
        uncovered = None if changes is None else [c for c in changes if not _covered(c, earlier_items)]
        if uncovered is not None and not uncovered:
            raise ProblemError(
                "completion_already_requested",
                _("Hồ sơ %(code)s đã được hướng dẫn bổ sung, hoàn thiện một lần, đầy đủ (Nghị định 61/2018/NĐ-CP, "
                  "Điều 15–16). Lần nộp lại chỉ sửa những nội dung đã yêu cầu; không được yêu cầu thêm — hãy tiếp "
                  "nhận hoặc từ chối hồ sơ.") % {"code": dossier.code or ""},
                status=409, title=_("Đã yêu cầu bổ sung, hoàn thiện một lần"),
                extra={"earlier_items": earlier_items, "changes": changes or []},
            )
        data.update(earlier_items=earlier_items, uncovered_changes=uncovered or [])
    return Outcome({"completion_items": items}, data)



SUPPLY_FILE_MISSING = gettext_lazy("Hãy đính kèm ít nhất một tệp giấy tờ bổ sung.")
SUPPLY_FILE_NAME = gettext_lazy("Giấy tờ bổ sung")


def _supply_uploads(dossier: Dossier, ids, actor) -> list[str]:
    """The applicant's uploads (``POST /files`` ids) become the dossier's supplementary files; their
    names. 422 when one is not the applicant's, is gone or was already used; 413 over the per-dossier
    limit."""
    if not isinstance(ids, list | tuple):
        ids = [ids]
    wanted = list(dict.fromkeys(str(i).strip() for i in ids if str(i).strip()))
    if not wanted:
        return []
    try:
        uploads = list(Upload.objects.select_for_update().filter(public_id__in=wanted, owner=actor,
                                                                 claimed_at__isnull=True))
    except (ValueError, TypeError, ValidationError):
        uploads = []
    if len(uploads) != len(wanted):
        raise ProblemError("validation_error", _("Tệp đính kèm không tồn tại hoặc đã được dùng."),
                           extra={"errors": [{"path": "files", "message": _("Tải lên lại tệp giấy tờ bổ sung.")}]})
    try:
        check_total(sizes=list(DossierFile.objects.filter(dossier=dossier).values_list("size", flat=True))
                    + [u.size for u in uploads])
    except UploadError as exc:
        raise ProblemError("payload_too_large", exc.message, status=413) from exc
    DossierFile.objects.bulk_create([
        DossierFile(dossier=dossier, component=None, component_name=str(SUPPLY_FILE_NAME),
                    original_name=u.original_name, file=u.file.name, sha256=u.sha256, size=u.size,
                    content_type=u.content_type, uploaded_by=actor)
        for u in uploads
    ])
    Upload.objects.filter(pk__in=[u.pk for u in uploads]).update(claimed_at=timezone.now())
    return [u.original_name for u in uploads]


def _supplied_since_request(dossier: Dossier) -> bool:
    """Whether a file was attached to the dossier since the agency asked for the supplement."""
    asked_at = (DossierEvent.objects.filter(dossier=dossier, action=Action.REQUEST_SUPPLEMENT)
                .order_by("-at", "-pk").values_list("at", flat=True).first())
    files = DossierFile.objects.filter(dossier=dossier)
    if asked_at is not None:
        files = files.filter(created_at__gte=asked_at)
    return files.exists()


def on_supply(dossier: Dossier, inputs, *, now, role, actor) -> Outcome:
    """Regulation (QĐ 31/2020/QĐ-UBND) Art. 14.4: the applicant supplements the dossier with the papers
    the agency asked for — at least one file, attached since the request (the page attaches them first,
    ``results.dossier_supply``) or uploaded beforehand and named in ``files`` (ids of ``POST /files``).
    Sending nothing is refused (422) and the clock stays paused."""
    names = _supply_uploads(dossier, inputs.get("files") or [], actor)
    if not names and not _supplied_since_request(dossier):
        raise ProblemError("validation_error", str(SUPPLY_FILE_MISSING),
                           extra={"errors": [{"path": "files", "message": str(SUPPLY_FILE_MISSING)}]})
    outcome = processing.on_supply(dossier, inputs, now=now, role=role, actor=actor)
    outcome.data["files"] = names
    return outcome
