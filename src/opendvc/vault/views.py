"""Pages of the citizen's document store (``/kho-du-lieu/``) and the public read of a shared document."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from opendvc.accounts.selectors import organisation_for_member, organisations_of
from opendvc.core.files import stored_file_response, unsent_file_release
from opendvc.core.links import absolute_url
from opendvc.core.problems import ProblemError, retry_after_header
from opendvc.core.quoting import message_text
from opendvc.core.ratelimit import client_address
from opendvc.dossiers.uploads import UploadError, check_file, read_limited
from opendvc.worktime import to_local

from . import services
from .models import ShareLink, StoredDocument


def _day(value: str):
    value = (value or "").strip()
    if not value:
        return None, False
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, fmt).date(), False
        except ValueError:
            continue
    return None, True


def _is_sentence(text: str) -> bool:
    """Whether ``text`` reads on its own: it begins with no lower-case letter and ends as a sentence
    does. An error item's message may be only the words that fill the detail ("nhận kết quả trực
    tuyến"); such a fragment never stands for the detail."""
    text = (text or "").strip()
    return bool(text) and not text[0].islower() and text[-1] in '.!?…)”"'


def _messages(exc: ProblemError) -> list[str]:
    """What a page shows of ``exc``: the error items' messages when each is a sentence the detail
    does not already say (a form's field errors under a general detail), otherwise the detail
    followed by the sentences it does not say."""
    detail = exc.detail or str(exc)
    errors = [
        e.get("message", "") for e in (exc.extra or {}).get("errors") or [] if isinstance(e, dict)
    ]
    sentences = [m for m in errors if _is_sentence(m) and m not in detail]
    if errors and len(sentences) == len(errors):
        return list(dict.fromkeys(sentences))
    return list(dict.fromkeys([detail, *sentences]))


# The upload form's inputs, in the order they are shown: an error is shown at its input and linked
# from the summary in that order.
UPLOAD_INPUTS = ("document_type", "issuer", "number", "issued_on", "expires_on", "file")


@login_required
@require_http_methods(["GET", "POST"])
def home(request):
    # Each error is ``(input, message)``; the input is "" for one that belongs to no input (the
    # storage down), shown in the summary only.
    errors: list[tuple[str, str]] = []
    status = 200
    problem: ProblemError | None = None
    if request.method == "POST":
        # Every field and the file are checked together, so that all the errors show at once.
        issued_on, bad_issued = _day(request.POST.get("issued_on"))
        expires_on, bad_expires = _day(request.POST.get("expires_on"))
        # Each unreadable date is named (which of the two, as typed): 31/02 is written dd/mm/yyyy
        # yet is no day.
        for bad, field, label in (
            (bad_issued, "issued_on", _("Ngày cấp")),
            (bad_expires, "expires_on", _("Ngày hết hạn")),
        ):
            if bad:
                typed = request.POST.get(field, "").strip()
                errors.append(
                    (
                        field,
                        _("%(field)s “%(value)s” không phải ngày có thật theo dạng dd/mm/yyyy.")
                        % {
                            "field": label,
                            "value": typed if len(typed) <= 20 else typed[:20] + "…",
                        },
                    )
                )
        errors.extend(
            (e["path"], e["message"])
            for e in services.document_field_errors(
                document_type=request.POST.get("document_type", ""),
                issued_on=issued_on,
                expires_on=expires_on,
                title=request.POST.get("title", ""),
                issuer=request.POST.get("issuer", ""),
                number=request.POST.get("number", ""),
            )
        )
        upload = request.FILES.get("file")
        checked, file_error = None, ""
        if upload is None:
            file_error = _("Chọn tệp giấy tờ.")
        else:
            try:
                checked = check_file(name=upload.name or "", content=read_limited(upload))
            except UploadError as exc:
                file_error = exc.message
        if file_error:
            errors.append(
                (
                    "file",
                    file_error
                    + (
                        " " + _("Khi gửi lại, hãy chọn lại tệp (trang không giữ tệp đã chọn).")
                        if upload
                        else ""
                    ),
                )
            )
        elif errors:
            errors.append(
                (
                    "file",
                    _("Tệp “%(name)s” chưa được lưu: khi gửi lại, hãy chọn lại tệp.")
                    % {"name": checked.name},
                )
            )
        if not errors:
            try:
                services.document_upload(
                    owner=request.user,
                    checked=checked,
                    document_type=request.POST.get("document_type", ""),
                    title=request.POST.get("title", ""),
                    issuer=request.POST.get("issuer", ""),
                    number=request.POST.get("number", ""),
                    issued_on=issued_on,
                    expires_on=expires_on,
                    request=request,
                )
                saved = _("Đã lưu giấy tờ vào kho.")
                messages.success(request, f"{saved} {checked.renamed_note()}".strip())
                return redirect("vault:home")
            except ProblemError as exc:
                errors.extend(("", message) for message in _messages(exc))
                if exc.retry_after is not None:
                    # A passing refusal (the storage down): the same form is sent again later.
                    problem = exc
                    errors.append(
                        (
                            "file",
                            _("Tệp “%(name)s” chưa được lưu: khi gửi lại, hãy chọn lại tệp.")
                            % {"name": checked.name},
                        )
                    )
        status = problem.status if problem is not None else 422
    return _home_page(request, errors=errors, status=status, problem=problem)


def _home_page(request, *, errors=(), status=200, problem=None, share_error=None):
    """The store's page. ``errors``: the upload's, as ``(input, message)``; ``share_error``: a refused
    share link's ``{"document": pk, "message", "typed"}``, shown at that document's days."""
    docs = _with_withheld(services.owner_documents(owner=request.user))
    organisations = list(organisations_of(request.user))
    links = services.owner_share_links(owner=request.user)
    for d in docs:
        d.links = links.get(d.pk, [])
        for link in d.links:
            link.url = absolute_url("vault:shared", args=[link.token])
    field_errors: dict[str, list[str]] = {}
    for field, message in errors:
        if field in UPLOAD_INPUTS:
            field_errors.setdefault(field, []).append(message)
    summary = [{"target": "", "message": m} for f, m in errors if f not in UPLOAD_INPUTS] + [
        {"target": f, "message": m} for f in UPLOAD_INPUTS for m in field_errors.get(f, [])
    ]
    response = render(
        request,
        "vault/home.html",
        {
            "documents": docs,
            "organisations": organisations,
            "errors": summary,
            "field_errors": {f: " ".join(m) for f, m in field_errors.items()},
            "form": request.POST if request.method == "POST" and share_error is None else {},
            "share_error": share_error,
            "share_max_days": settings.VAULT_SHARE_MAX_DAYS,
            "usage": services.owner_usage(owner=request.user),
            "quota": settings.VAULT_QUOTA_BYTES,
        },
        status=status,
    )
    return retry_after_header(response, problem) if problem is not None else response


def _with_withheld(documents) -> list:
    """The documents, each with ``withheld``: why it cannot be opened yet, or "" (a result collected at
    the counter or by post opens in the store once it is handed over)."""
    docs = list(documents)
    for d in docs:
        withheld = services.document_withheld(d)
        d.withheld = withheld.detail if withheld is not None else ""
    return docs


@login_required
@require_http_methods(["GET"])
def organisation_store(request, public_id):
    """The store of an organisation the person may act for: every result and receipt issued to the
    dossiers filed in its name, whoever of its members filed them (read and download; sharing and
    deleting stay with the member who holds the document)."""
    organisation = organisation_for_member(user=request.user, public_id=public_id)
    docs = _with_withheld(services.organisation_documents(organisation=organisation))
    return render(request, "vault/organisation.html", {"organisation": organisation, "documents": docs})


def _document_response(request, doc, *, inline: bool):
    """The stored file of the store's document ``doc`` (``core.files.stored_file_response``: 404 or
    503 pages when it cannot be given)."""
    return stored_file_response(
        request,
        doc.stored,
        filename=doc.original_name or "giay-to.pdf",
        content_type=doc.content_type or "application/pdf",
        inline=inline,
    )


@login_required
def download(request, public_id):
    doc = get_object_or_404(StoredDocument.objects.select_related("organisation"), public_id=public_id)
    if not services.document_readable(document=doc, user=request.user):
        raise Http404(_("Không có giấy tờ này trong kho của bạn."))
    # The object is opened first: a file missing from the storage (or a storage that cannot be read)
    # gets its own page, and a result that could not be read is no download.
    response = _document_response(request, doc, inline=False)
    if (
        response.status_code == 200
        and doc.dossier_document_id
        and doc.source == StoredDocument.Source.RESULT
    ):
        from opendvc.dossiers.results import result_download

        try:
            result_download(
                dossier=doc.dossier_document.dossier,
                document=doc.dossier_document,
                user=request.user,
                request=request,
            )
        except ProblemError as exc:
            unsent_file_release(response)
            messages.error(request, message_text(_messages(exc)))
            return redirect("vault:home")
    return response


@login_required
@require_POST
def delete(request, public_id):
    doc = get_object_or_404(StoredDocument, public_id=public_id, owner=request.user)
    try:
        services.document_delete(document=doc, actor=request.user, request=request)
        messages.success(request, _("Đã xóa giấy tờ."))
    except ProblemError as exc:
        messages.error(request, message_text(_messages(exc)))
    return redirect("vault:home")


@login_required
@require_POST
def share(request, public_id):
    doc = get_object_or_404(StoredDocument, public_id=public_id, owner=request.user)
    typed = request.POST.get("days", "").strip()
    try:
        days = int(typed or 0)
    except ValueError:
        days = 0
    try:
        link = services.share_create(document=doc, actor=request.user, days=days, request=request)
        messages.success(
            request,
            _("Liên kết chia sẻ (hết hạn %(d)s): %(url)s")
            % {
                "d": to_local(link.expires_at).strftime("%H:%M %d/%m/%Y"),
                "url": absolute_url("vault:shared", args=[link.token]),
            },
        )
    except ProblemError as exc:
        days_errors = [e["message"] for e in exc.extra.get("errors", []) if e.get("path") == "days"]
        if days_errors:
            # A refused number of days is shown at that document's input, what was typed kept.
            return _home_page(
                request,
                status=exc.status,
                share_error={
                    "document": doc.pk,
                    "message": " ".join(days_errors),
                    "typed": typed[:20],
                },
            )
        # A document that cannot be shared (expired, its result not handed over yet): the page no
        # longer offers its form, so the message is said at the top.
        messages.error(request, message_text(_messages(exc)))
    return redirect("vault:home")


@login_required
@require_POST
def share_revoke(request, token):
    link = get_object_or_404(ShareLink, token=token, document__owner=request.user)
    services.share_revoke(link=link, actor=request.user, request=request)
    messages.success(
        request, _("Đã thu hồi liên kết chia sẻ; người có liên kết không xem được giấy tờ nữa.")
    )
    return redirect("vault:home")


def shared(request, token):
    # A document past its expiry date is not served as if it were valid: its holder first reads that
    # it expired, then opens it (``?mo=1``).
    try:
        doc = services.share_open(
            token=token,
            ip=client_address(request),
            user_agent=request.headers.get("User-Agent", ""),
            record=False,
        )
        if doc.expired and request.GET.get("mo") != "1":
            return render(request, "vault/shared_expired.html", {"document": doc, "token": token})
    except ProblemError:
        return render(request, "vault/shared_gone.html", status=404)
    response = _document_response(request, doc, inline=True)
    if response.status_code != 200:
        # A file missing from the storage (or unreadable just now) was not read: no access is logged.
        return response
    try:
        services.share_open(
            token=token,
            ip=client_address(request),
            user_agent=request.headers.get("User-Agent", ""),
        )
    except ProblemError:
        unsent_file_release(response)
        return render(request, "vault/shared_gone.html", status=404)
    return response


__all__ = ["ShareLink", "delete", "download", "home", "share", "shared"]
