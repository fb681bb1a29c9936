"""The public verification of results (``/xac-thuc-ket-qua/``): scan the QR code printed on a signed
result (dossier code + key) or upload the PDF."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from opendvc.core.ratelimit import client_ip, ratelimit_hit

from . import services

MAX_VERIFY_BYTES = 20 * 1024 * 1024


def read_upload(upload) -> tuple[bytes | None, str]:
    """The uploaded bytes, or ``None`` and the reason (missing, too large)."""
    if upload is None:
        return None, _("Chọn tệp PDF cần xác thực.")
    if upload.size > MAX_VERIFY_BYTES:
        return None, _("Tệp quá lớn (tối đa 20 MB).")
    return upload.read(), ""


@require_http_methods(["GET", "POST"])
def verify(request):
    code = (request.GET.get("ma") or "").strip()[:40]
    key = (request.GET.get("khoa") or "").strip()[:20]
    context = {
        "code": code,
        "key": key,
        "issued": None,
        "not_found": False,
        "result": None,
        "error": "",
    }
    asks = (code and key) or request.method == "POST"
    if asks and not ratelimit_hit(name="lookup", ident=client_ip(request)).allowed:
        context["rate_limited"] = True
        return render(request, "signing/verify.html", context, status=429)
    if code and key:
        context["issued"] = services.issued_lookup(code=code, key=key)
        context["not_found"] = context["issued"] is None
    elif (code or key) and request.method == "GET":
        # A QR link cut short when copied (one of the two codes only) is said to be incomplete,
        # not silently ignored.
        context["incomplete"] = True
    if request.method == "POST":
        data, error = read_upload(request.FILES.get("tep"))
        if data is None:
            context["error"] = error
            return render(request, "signing/verify.html", context, status=422)
        result = services.pdf_verify(data=data)
        issued = context["issued"]
        if issued is not None and result.sha256 != issued.sha256:
            result.valid = False
            result.reasons.append(_("Tệp không trùng với tài liệu mà mã QR này trỏ tới."))
        context["result"] = result
    return render(request, "signing/verify.html", context)
