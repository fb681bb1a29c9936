"""The process control sheet (*phiếu kiểm soát quá trình giải quyết hồ sơ*, form 05 of Circular
01/2018/TT-VPCP): every hand-over with who, when, the step's due instant and whether it was early, on
time or late. Rendered with WeasyPrint on request."""

from __future__ import annotations

from django.utils import timezone


def control_sheet_pdf(*, dossier) -> bytes:
    from opendvc.dossiers.documents import letterhead, render_pdf
    from opendvc.worktime import to_local

    from .selectors import step_runs, step_state

    now = timezone.now()
    rows = [(r, step_state(r, now=now)) for r in step_runs(dossier)]
    # Form 05 has no closing signature: each hand-over names who gave and who received the dossier.
    return render_pdf("workflow/pdf/control_sheet.html", {
        **letterhead(agency=dossier.receiving_agency, at=now), "signers": [],
        "dossier": dossier, "procedure": dossier.procedure,
        "applicant_name": dossier.applicant.full_name or "", "rows": rows, "issued_at": to_local(now),
        "received_at": to_local(dossier.received_at) if dossier.received_at else None,
        "due_at": to_local(dossier.due_at) if dossier.due_at else None,
    })
