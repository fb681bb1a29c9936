"""The ICT department's outbox page (backlog per destination, oldest waiting message, failures with
their last error, replay one or many, pause a destination) and the signed file links of the one-stop
software."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from opendvc.backoffice.decorators import backoffice_required
from opendvc.core.files import stored_file_response
from opendvc.core.params import row_id
from opendvc.core.problems import ProblemError
from opendvc.dossiers.lifecycle import State
from opendvc.dossiers.models import DossierFile

from . import outbox
from .models import InboundMessage
from .national.mapping import mapping_problems
from .onestop.inbound import onestop_reapply
from .onestop.signing import file_from_token

LEDGER_ROLES = ["ict_department", "administrator"]


@backoffice_required(roles=LEDGER_ROLES)
@require_http_methods(["GET", "POST"])
def ledger(request):
    destination = request.GET.get("noi_nhan", "")[:60]
    if request.method == "POST":
        op = request.POST.get("op", "")
        try:
            if op == "replay":
                ids = [pk for v in request.POST.getlist("delivery") if (pk := row_id(v)) is not None]
                if not ids:
                    messages.error(request, _("Hãy chọn ít nhất một lượt gửi để gửi lại."))
                else:
                    count = outbox.delivery_replay(ids=ids, actor=request.user, request=request)
                    messages.success(request, _("Đã xếp %(n)s lượt gửi để gửi lại.") % {"n": count})
            elif op == "reapply":
                inbound = InboundMessage.objects.filter(
                    pk=row_id(request.POST.get("inbound")) or 0
                ).first()
                if inbound is None:
                    messages.error(request, _("Không có thông điệp nhận vào này."))
                else:
                    done = onestop_reapply(inbound=inbound, actor=request.user, request=request)
                    messages.success(
                        request,
                        _("Đã áp dụng lại thông điệp %(m)s: hồ sơ %(d)s chuyển sang “%(s)s”.")
                        % {
                            "m": inbound.message_id,
                            "d": done["dossier"],
                            "s": State(done["status"]).label,
                        },
                    )
            elif op in ("pause", "resume"):
                dest = outbox.destination_pause(
                    code=request.POST.get("destination", ""),
                    paused=op == "pause",
                    actor=request.user,
                    request=request,
                )
                messages.success(
                    request,
                    (
                        _("Đã tạm dừng gửi tới %(d)s.")
                        if dest.paused
                        else _("Đã tiếp tục gửi tới %(d)s.")
                    )
                    % {"d": outbox.destination_label(dest.code)},
                )
            else:
                messages.error(request, _("Thao tác không hợp lệ."))
        except ProblemError as exc:
            messages.error(request, exc.detail)
        return redirect(request.get_full_path())
    return render(
        request,
        "integrations/ledger.html",
        {
            "rows": outbox.backlog(),
            "failures": outbox.failures(destination=destination),
            "destination": destination,
            "destination_label": outbox.destination_label(destination),
            "mapping_problems": mapping_problems(),
            "inbound": InboundMessage.objects.defer("body")[:50],  # not shown: not decrypted
        },
    )


def onestop_file(request, token: str):
    """A dossier file for the one-stop software, by a signed link that expires."""
    file_id = file_from_token(token)
    if file_id is None:
        raise Http404(_("Liên kết tệp không hợp lệ hoặc đã hết hạn."))
    stored = get_object_or_404(DossierFile, pk=file_id)
    return stored_file_response(
        request, stored.file, filename=stored.original_name, content_type=stored.content_type
    )


@login_required
@require_http_methods(["GET", "POST"])
def sms_settings(request):
    """The citizen's phone number (verified by a code sent by SMS) and the opt-in to dossier notices by
    SMS."""
    from .sms.services import phone_verification_confirm, phone_verification_send, sms_notices_set

    errors: dict[str, str] = {}
    sent = False
    if request.method == "POST":
        step = request.POST.get("buoc", "")
        try:
            if step == "gui-ma":
                phone_verification_send(user=request.user, phone=request.POST.get("phone", ""))
                sent = True
                messages.success(request, _("Đã gửi mã xác minh đến số điện thoại của bạn."))
            elif step == "xac-minh":
                phone_verification_confirm(user=request.user, code=request.POST.get("code", ""))
                messages.success(request, _("Đã xác minh số điện thoại."))
                return redirect("integrations:sms_settings")
            elif step == "thong-bao":
                sms_notices_set(user=request.user, enabled=request.POST.get("sms_notices") == "on")
                messages.success(request, _("Đã lưu lựa chọn nhận thông báo qua SMS."))
                return redirect("integrations:sms_settings")
        except ProblemError as exc:
            errors = {e["path"]: e["message"] for e in (exc.extra or {}).get("errors") or []}
            errors.setdefault("form", exc.detail)
            sent = step == "xac-minh"
    profile = getattr(request.user, "profile", None)
    return render(
        request,
        "integrations/sms_settings.html",
        {
            "profile": profile,
            "verified": bool(profile and profile.phone_verified),
            "sent": sent,
            "errors": errors,
            "phone": request.POST.get("phone", "") or request.user.phone,
            # A refused code stays in its field, as typed.
            "code": request.POST.get("code", "")[:6] if errors else "",
        },
        status=422 if errors else 200,
    )


@backoffice_required(roles=LEDGER_ROLES)
@require_http_methods(["GET", "POST"])
def catalog_pull_review(request):
    """The latest pull of the national catalogue: its difference with our catalog; publish it or pull
    again."""
    from .models import CatalogPull
    from .national.catalog import catalog_pull, catalog_pull_counts, catalog_pull_publish

    if request.method == "POST":
        try:
            if request.POST.get("op") == "pull":
                catalog_pull()
                messages.success(
                    request, _("Đã lấy danh mục từ Cổng DVC quốc gia; hãy xem và cập nhật.")
                )
            elif request.POST.get("op") == "publish":
                # A value that cannot name a pull (a form edited by hand) is "not found", not an
                # error of the database's.
                pull = get_object_or_404(CatalogPull, pk=row_id(request.POST.get("pull")) or 0)
                done = catalog_pull_publish(pull=pull, actor=request.user, request=request)
                messages.success(
                    request,
                    _(
                        "Đã cập nhật danh mục: %(created)s thủ tục mới, %(updated)s thủ tục thay đổi."
                    )
                    % done,
                )
        except ProblemError as exc:
            messages.error(request, exc.detail)
        return redirect("integrations:catalog_pull")
    pull = CatalogPull.objects.first()
    items = list(pull.items.exclude(change="same")) if pull else []
    return render(
        request,
        "integrations/catalog_pull.html",
        {"pull": pull, "items": items, "counts": catalog_pull_counts(pull=pull) if pull else {}},
    )
