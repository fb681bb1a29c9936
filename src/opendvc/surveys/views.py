"""The survey page reached from the invitation (the token is the key)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from opendvc.core.problems import ProblemError

from .models import SurveyInvitation
from .services import invitation_expired, survey_answer


def _choices(scale: int) -> list[int]:
    return list(range(scale, 0, -1))


def _error_links(exc: ProblemError, *, scale: int) -> list[dict[str, str]]:
    """The refusal's messages, each linked to the question it is about (its first choice)."""
    out = []
    for error in exc.extra.get("errors") or [{"path": "", "message": exc.detail}]:
        path = error.get("path", "")
        if path == "overall":
            target = f"overall-{scale}"
        elif path.startswith("criteria."):
            target = f"c-{path.split('.', 1)[1]}-{scale}"
        elif path == "comment":
            target = "comment"
        else:
            target = ""
        out.append({"message": error.get("message", ""), "target": target})
    return out


@require_http_methods(["GET", "POST"])
def answer(request, token: str):
    inv = (
        SurveyInvitation.objects.select_related("form", "agency", "procedure")
        .filter(token=token)
        .first()
    )
    if inv is None:
        raise Http404
    form = inv.form
    context = {
        "inv": inv,
        "form": form,
        "choices": _choices(form.scale),
        "criteria": [(c, "", []) for c in form.criteria],
        "errors": [],
        "values": {},
        "done": inv.answered_at is not None,
        "expired": invitation_expired(inv),
    }
    if request.method == "POST" and not context["done"]:
        values = {c["code"]: request.POST.get(f"c-{c['code']}", "") for c in form.criteria}
        overall_raw = request.POST.get("overall", "")
        context["values"] = {
            "overall": overall_raw,
            **values,
            "comment": request.POST.get("comment", ""),
        }
        context["criteria"] = [(c, values.get(c["code"], ""), []) for c in form.criteria]
        try:
            overall = int(overall_raw)
        except ValueError:
            overall = 0
        try:
            response = survey_answer(
                invitation=inv,
                overall=overall,
                criteria=values,
                comment=request.POST.get("comment", ""),
                request=request,
            )
            return render(request, "surveys/thanks.html", {"inv": inv, "response": response})
        except ProblemError as exc:
            context["errors"] = _error_links(exc, scale=form.scale)
            # Each message also at its question: the rating's, a criterion's, the comment's.
            at = {}
            for error in exc.extra.get("errors") or []:
                path = error.get("path", "")
                key = "c-" + path.split(".", 1)[1] if path.startswith("criteria.") else path
                at.setdefault(key, []).append(error.get("message", ""))
            context["field_errors"] = at
            context["criteria"] = [
                (c, chosen, at.get(f"c-{c['code']}", []))
                for c, chosen, _none in context["criteria"]
            ]
            return render(request, "surveys/answer.html", context, status=exc.status)
    return render(request, "surveys/answer.html", context)
