"""Feedback pages: the public form and tracking for senders, the public questions and answers, and
the back-office queues, item page, staff entry, publishing, figures and email quarantine."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from opendvc.agencies.models import Agency, StaffRole
from opendvc.agencies.permissions import scope_to_visible_agencies
from opendvc.backoffice.decorators import backoffice_required
from opendvc.catalog.models import Procedure
from opendvc.core.files import stored_file_response
from opendvc.core.params import day_param
from opendvc.core.problems import ProblemError
from opendvc.core.ratelimit import client_ip, ratelimit_hit

from . import selectors, services
from .forms import (
    ActionForm,
    FeedbackForm,
    PaperLetterForm,
    PublishForm,
    StaffEntryForm,
    new_submission_id,
)
from .lifecycle import Action
from .models import Attachment, Channel, Feedback, PublishedAnswer, QuarantinedEmail
from .uploads import UploadError, check_count, check_file, read_uploaded

SR = StaffRole.Role

logger = logging.getLogger(__name__)
STAFF_ROLES = [SR.SWITCHBOARD, SR.FEEDBACK_FOCAL, SR.HEAD, SR.PROVINCE_OFFICE]


def _procedure(code: str):
    return Procedure.objects.filter(code=(code or "").strip()).first() if code else None


def _checked_files(form, field: str = "attachments"):
    """Check the uploaded files; on error put the message on the field and return None."""
    files = form.cleaned_data.get(field) or []
    try:
        check_count(len(files))
        return [check_file(name=f.name, content=read_uploaded(f)) for f in files]
    except UploadError as exc:
        form.add_error(field, exc.message)
        return None


def _problem_to_form(form, exc: ProblemError) -> None:
    errors = exc.extra.get("errors") or []
    for err in errors:
        field = err.get("path")
        form.add_error(field if field in form.fields else None, err.get("message") or exc.detail)
    if not errors:
        form.add_error(None, exc.detail)


def submission_key(data: dict) -> str | None:
    """The key that makes one form sent twice (a double click on "send") one item: the form's id with
    what was typed. A form reused for another text (the browser's back button) makes a new item."""
    submission = data.get("submission") or ""
    if not re.fullmatch(r"[0-9a-f]{32}", submission):
        return None
    typed = "\n".join(str(data.get(k) or "") for k in ("kind", "subject", "content", "sender_name"))
    return "form:" + hashlib.sha256(f"{submission}\n{typed}".encode()).hexdigest()


def _create_from_form(request, form, *, channel: str, sender, entered_by=None) -> Feedback | None:
    files = _checked_files(form)
    if files is None:
        return None
    data = form.cleaned_data
    procedure = _procedure(data.get("procedure_code"))
    if data.get("procedure_code") and procedure is None:
        form.add_error("procedure_code", _("Không tìm thấy thủ tục có mã này."))
        return None
    try:
        return services.feedback_create(
            channel=channel,
            kind=data["kind"],
            subject=data["subject"],
            content=data["content"],
            sender=sender,
            sender_name=data.get("sender_name") or "",
            sender_phone=(data.get("sender_phone") or "").strip(),
            sender_email=data.get("sender_email") or "",
            sender_address=data.get("sender_address") or "",
            suggested_agency=data.get("agency"),
            procedure=procedure,
            dossier_code=data.get("dossier_code") or "",
            consent_publish=bool(data.get("consent_publish")),
            files=files,
            entered_by=entered_by,
            external_id=submission_key(data),
            request=request,
        )
    except ProblemError as exc:
        _problem_to_form(form, exc)
        return None


# --- public --------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def submit(request):
    """The public form: rate-limited per address, with a honeypot, no third-party captcha."""
    user = request.user if request.user.is_authenticated else None
    if request.method == "GET":
        initial = {
            "procedure_code": request.GET.get("thu-tuc", "")[:40],
            "dossier_code": request.GET.get("ho-so", "")[:40],
            "submission": new_submission_id(),
        }
        if user:
            initial.update(sender_name=user.full_name, sender_email=user.email or "")
        return render(
            request, "feedback/submit.html", {"form": FeedbackForm(initial=initial, user=user)}
        )
    form = FeedbackForm(request.POST, request.FILES, user=user)
    if request.POST.get("website"):
        # A bot filled in the hidden field: answer as if accepted, keep nothing.
        logger.info("Feedback honeypot filled from %s", client_ip(request))
        return render(request, "feedback/thanks.html", {"feedback": None})

    def throttled():
        form.is_valid()
        form.add_error(
            None,
            _(
                "Bạn đã gửi quá nhiều phản ánh trong thời gian ngắn. Nội dung vẫn được giữ "
                "nguyên bên dưới; vui lòng chờ ít phút rồi gửi lại (các tệp đính kèm cần chọn lại)."
            ),
        )
        return render(request, "feedback/submit.html", {"form": form}, status=429)

    # Only feedback that is sent counts towards the limit: a sender correcting a refused form is not
    # blocked for the attempts (an address already over the limit is refused before any check).
    anonymous = user is None
    if (
        anonymous
        and not ratelimit_hit(name="feedback", ident=client_ip(request), increment=False).allowed
    ):
        return throttled()
    if form.is_valid():
        if anonymous and not ratelimit_hit(name="feedback", ident=client_ip(request)).allowed:
            return throttled()
        fb = _create_from_form(request, form, channel=Channel.WEB, sender=user)
        if fb is not None:
            return redirect("feedback:thanks", token=services.sender_token(fb))
    return render(request, "feedback/submit.html", {"form": form}, status=422)


def thanks(request, token: str):
    fb = services.feedback_from_token(token)
    if fb is None:
        raise Http404
    return render(request, "feedback/thanks.html", {"feedback": fb, "token": token})


@require_http_methods(["GET", "POST"])
def track(request, token: str):
    """The sender's page (reached by the emailed link): status, answer, rating, reopening."""
    fb = services.feedback_from_token(token)
    if fb is None:
        raise Http404
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action in (
            Action.MARK_SATISFIED,
            Action.MARK_NOT_SATISFIED,
            Action.REOPEN,
            Action.WITHDRAW,
        ):
            try:
                services.feedback_act(
                    feedback=fb,
                    action=action,
                    actor=request.user,
                    as_sender=True,
                    inputs={"note": request.POST.get("note", "")},
                    request=request,
                )
                messages.success(request, _("Đã ghi nhận. Cảm ơn Ông/Bà."))
            except ProblemError as exc:
                messages.error(request, exc.detail)
        return redirect("feedback:track", token=token)
    return render(
        request,
        "feedback/track.html",
        {
            "feedback": fb,
            "token": token,
            "actions": services.available_actions(feedback=fb, actor=request.user, as_sender=True),
            "answer_files": fb.attachments.filter(part=Attachment.Part.ANSWER),
            "sender_files": fb.attachments.filter(part=Attachment.Part.SENDER),
            "events": fb.events.all(),
        },
    )


def track_file(request, token: str, pk: int):
    fb = services.feedback_from_token(token)
    if fb is None:
        raise Http404
    att = get_object_or_404(Attachment, pk=pk, feedback=fb)
    return stored_file_response(request, att.file, filename=att.name, content_type=att.content_type)


@login_required
def mine(request):
    items = selectors.own_items(request.user)
    page = Paginator(items, 20).get_page(request.GET.get("trang"))
    rows = [(f, services.sender_token(f)) for f in page]
    return render(request, "feedback/mine.html", {"page": page, "rows": rows})


def qa_list(request, procedure_code: str | None = None):
    """Public questions and answers, searchable without diacritics."""
    procedure = None
    if procedure_code:
        procedure = _procedure(procedure_code)
        if procedure is None:
            raise Http404
    q = request.GET.get("q", "")
    error = ""
    number = request.GET.get("trang")
    if procedure is None and not q and (number or "1") == "1":
        # Every answer, first page: rows and count in one statement.
        page = Paginator(selectors.public_answers_first_page(), selectors.QA_PAGE_SIZE).get_page(1)
        return render(
            request,
            "feedback/qa_list.html",
            {"page": page, "q": q, "error": error, "procedure": None},
        )
    try:
        qs = selectors.public_answers(q=q, procedure=procedure)
    except ProblemError as exc:
        error, qs = exc.detail, PublishedAnswer.objects.none()
    page = Paginator(qs, selectors.QA_PAGE_SIZE).get_page(number)
    return render(
        request,
        "feedback/qa_list.html",
        {"page": page, "q": q, "error": error, "procedure": procedure},
        status=422 if error else 200,
    )


def qa_detail(request, pk: int):
    item = get_object_or_404(
        PublishedAnswer.objects.select_related("agency", "procedure", "feedback"),
        pk=pk,
        is_public=True,
    )
    return render(request, "feedback/qa_detail.html", {"item": item})


# --- back office ---------------------------------------------------------------------------------

QUEUE_LABELS = {
    "switchboard": gettext_lazy("Chờ phân loại (tổng đài)"),
    "open": gettext_lazy("Đang xử lý"),
    "due_soon": gettext_lazy("Sắp đến hạn"),
    "overdue": gettext_lazy("Trễ hạn"),
    "rescheduled": gettext_lazy("Đã gia hạn"),
    "answered": gettext_lazy("Đã trả lời"),
}


@backoffice_required(roles=STAFF_ROLES)
def queue(request):
    name = request.GET.get("hang-doi") or selectors.default_queue(request.user)
    if name not in QUEUE_LABELS:
        name = "open"
    qs = selectors.queue(user=request.user, name=name)
    page = Paginator(qs, 30).get_page(request.GET.get("trang"))
    return render(
        request,
        "feedback/staff_queue.html",
        {
            "page": page,
            "queue": name,
            "queues": QUEUE_LABELS.items(),
            "now": timezone.now(),
        },
    )


def _staff_item(request, code: str) -> Feedback:
    fb = selectors.visible_to(request.user).filter(code=code).first()
    if fb is None:
        raise Http404
    return fb


@backoffice_required(roles=STAFF_ROLES)
def staff_detail(request, code: str):
    fb = _staff_item(request, code)
    return _render_staff_detail(request, fb)


def _render_staff_detail(request, fb, *, form=None, failed_action="", status=200):
    actions = services.available_actions(feedback=fb, actor=request.user)
    return render(
        request,
        "feedback/staff_detail.html",
        {
            "feedback": fb,
            "actions": actions,
            "form": form,
            "failed_action": failed_action,
            # What the officer typed in the refused action's form, shown again in that form.
            "post": request.POST if failed_action and request.method == "POST" else {},
            "labels": dict(Action.choices),
            "events": fb.events.select_related("actor"),
            "files": fb.attachments.all(),
            "version": fb.version,
            "agencies": Agency.objects.filter(is_active=True).order_by("tier__rank", "name"),
            "published": PublishedAnswer.objects.filter(feedback=fb).first(),
            "can_publish": fb.consent_publish
            and fb.answer
            and bool(services.actor_roles(feedback=fb, actor=request.user) & {"focal", "head"}),
        },
        status=status,
    )


def _action_ids(action: str | None) -> str:
    """The ids of the fields in one action's form on the item page (``note-answer``…), so that the
    error summary of a refused action links to the field it is about."""
    return f"%s-{action}" if action in Action.values else "id_%s"


@backoffice_required(roles=STAFF_ROLES)
@require_POST
def staff_action(request, code: str):
    """Every staff action on an item goes through this one endpoint (and one service)."""
    fb = _staff_item(request, code)
    form = ActionForm(request.POST, request.FILES, auto_id=_action_ids(request.POST.get("action")))
    if not form.is_valid():
        return _render_staff_detail(
            request, fb, form=form, failed_action=request.POST.get("action", ""), status=422
        )
    data = form.cleaned_data
    action = data["action"]
    files = _checked_files(form)
    if files is None:
        return _render_staff_detail(request, fb, form=form, failed_action=action, status=422)
    inputs = {k: data.get(k) for k in ("agency", "kind", "note", "new_due_at", "answer")}
    inputs["files"] = files
    try:
        services.feedback_act(
            feedback=fb,
            action=action,
            actor=request.user,
            inputs=inputs,
            expected_version=data.get("version"),
            request=request,
        )
    except ProblemError as exc:
        _problem_to_form(form, exc)
        return _render_staff_detail(
            request,
            fb,
            form=form,
            failed_action=action,
            status=exc.status if exc.status < 500 else 422,
        )
    messages.success(
        request, _("Đã thực hiện: %(a)s.") % {"a": dict(Action.choices).get(action, "")}
    )
    # An action may take the item out of the officer's sight (a send-back leaves the agency): back
    # to the queue then, not to a page they may no longer open.
    if not selectors.visible_to(request.user).filter(pk=fb.pk).exists():
        return redirect("feedback:queue")
    return redirect("feedback:staff_detail", code=fb.code)


@backoffice_required(roles=STAFF_ROLES)
def staff_file(request, code: str, pk: int):
    fb = _staff_item(request, code)
    att = get_object_or_404(Attachment, pk=pk, feedback=fb)
    return stored_file_response(request, att.file, filename=att.name, content_type=att.content_type)


@backoffice_required(roles=[SR.SWITCHBOARD])
@require_http_methods(["GET", "POST"])
def staff_entry(request):
    """Hotline calls and paper letters entered by the switchboard operator."""
    if request.method == "GET":
        return render(
            request,
            "feedback/staff_entry.html",
            {
                "form": StaffEntryForm(
                    initial={"channel": "hotline", "submission": new_submission_id()}
                )
            },
        )
    form = StaffEntryForm(request.POST, request.FILES)
    if form.is_valid():
        fb = _create_from_form(
            request,
            form,
            channel=form.cleaned_data["channel"],
            sender=None,
            entered_by=request.user,
        )
        if fb is not None:
            messages.success(request, _("Đã ghi nhận phản ánh %(code)s.") % {"code": fb.code})
            return redirect("feedback:staff_detail", code=fb.code)
    return render(request, "feedback/staff_entry.html", {"form": form}, status=422)


@backoffice_required(roles=[SR.FEEDBACK_FOCAL, SR.HEAD])
@require_http_methods(["GET", "POST"])
def staff_paper_entry(request):
    """A paper letter handed to the agency itself, registered by its focal officer or head into the
    agency's own queue (Art. 7.3)."""
    agencies = services.paper_agencies(request.user)
    if request.method == "GET":
        form = PaperLetterForm(
            agencies=agencies,
            initial={
                "agency": agencies[0].pk if agencies else None,
                "submission": new_submission_id(),
            },
        )
        return render(request, "feedback/staff_paper_entry.html", {"form": form})
    form = PaperLetterForm(request.POST, request.FILES, agencies=agencies)
    if form.is_valid():
        files = _checked_files(form)
        data = form.cleaned_data
        procedure = _procedure(data.get("procedure_code"))
        if data.get("procedure_code") and procedure is None:
            form.add_error("procedure_code", _("Không tìm thấy thủ tục có mã này."))
        elif files is not None:
            try:
                fb = services.feedback_register_paper(
                    agency=data["agency"],
                    actor=request.user,
                    subject=data["subject"],
                    content=data["content"],
                    kind=data["kind"],
                    sender_name=data.get("sender_name") or "",
                    sender_phone=(data.get("sender_phone") or "").strip(),
                    sender_email=data.get("sender_email") or "",
                    sender_address=data.get("sender_address") or "",
                    procedure=procedure,
                    dossier_code=data.get("dossier_code") or "",
                    consent_publish=bool(data.get("consent_publish")),
                    files=files,
                    external_id=submission_key(data),
                    request=request,
                )
            except ProblemError as exc:
                _problem_to_form(form, exc)
            else:
                messages.success(
                    request,
                    _("Đã vào sổ văn bản %(code)s; hạn trả lời %(due)s.")
                    % {
                        "code": fb.code,
                        "due": timezone.localtime(fb.due_at).strftime("%H:%M %d/%m/%Y"),
                    },
                )
                return redirect("feedback:staff_detail", code=fb.code)
    return render(request, "feedback/staff_paper_entry.html", {"form": form}, status=422)


@backoffice_required(roles=[SR.FEEDBACK_FOCAL, SR.HEAD])
@require_http_methods(["GET", "POST"])
def staff_publish(request, code: str):
    """The officer reviews the masked text and confirms publication."""
    fb = _staff_item(request, code)
    if request.method == "GET":
        form = PublishForm(initial=services.publish_preview(feedback=fb))
        return render(
            request,
            "feedback/staff_publish.html",
            {"feedback": fb, "form": form, "changes": services.publish_changes(feedback=fb)},
        )
    form = PublishForm(request.POST)
    if form.is_valid():
        try:
            pa = services.feedback_publish(
                feedback=fb,
                actor=request.user,
                title=form.cleaned_data["title"],
                question=form.cleaned_data["question"],
                answer=form.cleaned_data["answer"],
                request=request,
            )
            messages.success(request, _("Đã công khai câu hỏi – đáp."))
            return redirect("feedback:qa_detail", pk=pa.pk)
        except ProblemError as exc:
            _problem_to_form(form, exc)
    return render(
        request,
        "feedback/staff_publish.html",
        {"feedback": fb, "form": form, "changes": services.publish_changes(feedback=fb)},
        status=422,
    )


@backoffice_required(roles=[SR.FEEDBACK_FOCAL, SR.HEAD, SR.PROVINCE_OFFICE, SR.SWITCHBOARD])
def staff_figures(request):
    today = timezone.localdate()
    errors: list[str] = []
    typed = {key: (request.GET.get(key) or "").strip() for key in ("tu", "den")}
    start = day_param(typed["tu"], today.replace(day=1), errors, _("Từ ngày"))
    end = day_param(typed["den"], today, errors, _("Đến ngày"))
    # The order is checked only between two days read: a day refused is not compared with another.
    if not errors and end < start:
        errors.append(_("Đến ngày phải sau Từ ngày."))
    if errors:
        # The figures of this month under the messages; the form keeps what was typed to correct it.
        start, end = today.replace(day=1), today
        shown = typed
    else:
        shown = {"tu": f"{start:%Y-%m-%d}", "den": f"{end:%Y-%m-%d}"}
    tz = timezone.get_current_timezone()
    start_at = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    end_at = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    agencies = scope_to_visible_agencies(
        Agency.objects.all(),
        request.user,
        field="pk",
        roles=[StaffRole.Role.FEEDBACK_FOCAL, StaffRole.Role.HEAD, StaffRole.Role.PROVINCE_OFFICE],
    )
    if request.user.is_superuser or selectors.has_any_role(
        request.user, [StaffRole.Role.SWITCHBOARD]
    ):
        agencies = Agency.objects.all()
    rows = selectors.agency_figures(start=start_at, end=end_at, agencies=agencies)
    return render(
        request,
        "feedback/staff_figures.html",
        {"rows": rows, "start": start, "end": end, "errors": errors, "shown": shown},
        status=422 if errors else 200,
    )


@backoffice_required(roles=[SR.SWITCHBOARD])
def staff_quarantine(request):
    page = Paginator(QuarantinedEmail.objects.all(), 30).get_page(request.GET.get("trang"))
    return render(request, "feedback/staff_quarantine.html", {"page": page})
