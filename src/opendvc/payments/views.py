"""Pages of online payment: the applicant goes to a gateway and comes back to the true state; the
gateways' server-to-server confirmations; the public check of a receipt; the officer's payments of a
dossier with refunds. Thin: every rule is in ``services``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from opendvc.core.files import pending_file_response, stored_file_response
from opendvc.core.middleware import own_words
from opendvc.core.params import row_id
from opendvc.core.problems import ProblemError
from opendvc.core.quoting import message_text
from opendvc.core.ratelimit import client_address, client_ip
from opendvc.dossiers import selectors as dossier_selectors
from opendvc.dossiers.lifecycle import Role
from opendvc.dossiers.services.transitions import staff_roles_at
from opendvc.dossiers.views.common import problem_messages

from . import selectors, services
from .models import GatewayMessage, PaymentAttempt, Receipt, Refund
from .registry import GATEWAYS, get_gateway


@login_required
@require_POST
def pay(request, public_id):
    dossier = dossier_selectors.dossier_for_applicant(user=request.user, public_id=public_id)
    try:
        attempt, url = services.payment_start(
            dossier=dossier,
            gateway=request.POST.get("gateway", ""),
            actor=request.user,
            client_ip=client_address(request) or "",
        )
    except ProblemError as exc:
        messages.error(request, message_text(problem_messages(exc)))
        return redirect("dossiers:mine_detail", public_id=dossier.public_id)
    # A page of ours that sends the browser on (a form may only post to the portal itself: CSP
    # form-action 'self' also covers the redirects that follow a form).
    return render(
        request, "payments/redirect.html", {"url": url, "attempt": attempt, "dossier": dossier}
    )


def _holds_nul(notice) -> bool:
    texts = [
        notice.reference,
        notice.gateway_ref,
        notice.bank_code,
        notice.response_code,
        notice.raw,
    ]
    raw = notice.raw or ""
    return any("\x00" in (t or "") for t in texts) or "\\u0000" in raw or "%00" in raw


@own_words
@csrf_exempt
@require_http_methods(["GET", "POST"])
def confirmation(request, gateway):
    """The gateway's IPN / confirmation: verified, applied through the locked path, answered in the
    gateway's codes."""
    if gateway not in GATEWAYS or not getattr(GATEWAYS[gateway], "online", True):
        raise Http404
    plugin = GATEWAYS[gateway]
    try:
        notice = plugin.read_confirmation(request)
        if _holds_nul(notice):
            # No gateway sends it, and the database keeps no NUL in text: malformed.
            raise ValueError("NUL character in the confirmation")
    except ValueError:
        return plugin.answer_confirmation("error")
    return plugin.answer_confirmation(
        services.attempt_apply(gateway=gateway, notice=notice, client=client_ip(request))
    )


@require_GET
def gateway_return(request, gateway):
    """The browser back from the gateway: kept for the record, shown, never applied."""
    if gateway not in GATEWAYS or not getattr(GATEWAYS[gateway], "online", True):
        raise Http404  # the counter has no gateway to come back from
    plugin = get_gateway(gateway)
    try:
        notice = plugin.read_return(request)
    except ValueError:
        notice = None
    attempt = None
    if notice is not None:
        attempt = (
            PaymentAttempt.objects.select_related("order__dossier")
            .filter(reference=notice.reference)
            .first()
        )
        services.message_record(
            gateway=gateway,
            kind=GatewayMessage.Kind.RETURN,
            notice=notice,
            outcome="display_only",
            attempt=attempt,
            client=client_ip(request),
        )
    if attempt is None or not notice.signature_ok:
        return render(request, "payments/return_invalid.html", status=400)
    url = reverse("payments:status", args=[attempt.order.dossier.public_id, attempt.reference])
    said = {"paid": "da-tra", "failed": "that-bai", "cancelled": "da-huy"}.get(notice.outcome, "")
    return redirect(f"{url}?cong={said}" if said else url)


@login_required
@require_GET
def status(request, public_id, reference):
    dossier = dossier_selectors.dossier_for_applicant(user=request.user, public_id=public_id)
    attempt = get_object_or_404(
        PaymentAttempt.objects.select_related("order"), reference=reference, order__dossier=dossier
    )
    paid_here = attempt.order.paid_attempt_id == attempt.pk
    context = {
        "dossier": dossier,
        "attempt": attempt,
        "said": request.GET.get("cong", ""),
        "receipt": Receipt.objects.filter(order=attempt.order).first() if paid_here else None,
        # Confirmed, and the dossier's part (its move, the receipt) follows within a second or so:
        # the page keeps asking until it is there.
        "settling": paid_here and attempt.order.settled_at is None,
    }
    if request.headers.get("HX-Request"):
        return render(request, "payments/_status.html", context)
    return render(request, "payments/status.html", context)


@login_required
@require_GET
def receipt_file(request, public_id, number):
    dossier = dossier_selectors.dossier_for_applicant(user=request.user, public_id=public_id)
    return receipt_response(
        request, get_object_or_404(Receipt, number=number, order__dossier=dossier)
    )


def receipt_response(request, receipt: Receipt) -> HttpResponse:
    """The receipt's PDF streamed privately (it names the payer); a clear 404 when its stored object
    is gone, a 503 when the storage cannot be read or the PDF cannot be made just now, never a server
    error."""
    from .receipts import receipt_ready

    receipt = receipt_ready(receipt)
    if receipt is None:
        return pending_file_response(request)
    return stored_file_response(
        request,
        receipt.file,
        inline=True,
        filename=f"bien-lai-{receipt.number}.pdf",
        content_type="application/pdf",
    )


@require_GET
def verify(request, token):
    receipt = (
        Receipt.objects.select_related(
            "order__dossier__procedure", "order__dossier__receiving_agency", "order__paid_attempt"
        )
        .filter(verify_token=token)
        .first()
    )
    return render(
        request, "payments/verify.html", {"receipt": receipt}, status=200 if receipt else 404
    )


# -- the officer -------------------------------------------------------------------------------------------


@login_required
@require_GET
def office(request, code):
    dossier = dossier_selectors.dossier_for_staff(user=request.user, code=code)
    # The page offers each officer only what the services let them do: an officer of the receiving
    # agency requests a refund, a leader approves or rejects it (``refund_request``, ``refund_decide``).
    roles = staff_roles_at(request.user, dossier.receiving_agency_id)
    return render(
        request,
        "payments/office.html",
        {
            "dossier": dossier,
            "orders": selectors.dossier_orders(dossier=dossier),
            "fee_requests": selectors.dossier_fee_requests(dossier=dossier),
            "may_request_refund": bool({Role.RECEIVING_OFFICER, Role.PROCESSING_OFFICER} & roles),
            "may_decide_refund": Role.LEADER in roles,
        },
    )


@login_required
@require_POST
def office_refund(request, code):
    dossier = dossier_selectors.dossier_for_staff(user=request.user, code=code)
    try:
        if request.POST.get("refund"):
            refund = get_object_or_404(
                Refund, pk=row_id(request.POST["refund"]) or 0, attempt__order__dossier=dossier
            )
            decision = request.POST.get("decision")
            if decision not in ("approve", "reject"):
                # A form sent without its button (or with another value) decides nothing: it was
                # taken for a rejection.
                messages.error(request, _("Chọn “Duyệt hoàn tiền” hoặc “Không duyệt”."))
                return redirect("payments:office", code=dossier.code)
            services.refund_decide(
                refund=refund,
                actor=request.user,
                approve=decision == "approve",
                note=request.POST.get("note", ""),
            )
            messages.success(request, _("Đã ghi nhận quyết định hoàn tiền."))
        else:
            attempt = get_object_or_404(
                PaymentAttempt, pk=row_id(request.POST.get("attempt")) or 0, order__dossier=dossier
            )
            services.refund_request(
                attempt=attempt, actor=request.user, reason=request.POST.get("reason", "")
            )
            messages.success(request, _("Đã gửi đề nghị hoàn tiền để lãnh đạo duyệt."))
    except ProblemError as exc:
        messages.error(request, message_text(problem_messages(exc)))
    return redirect("payments:office", code=dossier.code)


@login_required
@require_GET
def office_receipt(request, code, number):
    dossier = dossier_selectors.dossier_for_staff(user=request.user, code=code)
    return receipt_response(
        request, get_object_or_404(Receipt, number=number, order__dossier=dossier)
    )
