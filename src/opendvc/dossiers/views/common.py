"""What the dossier pages share: reading a procedure, Vietnamese messages from a problem, serving a
stored file, reading numbers and dates from a query."""

from __future__ import annotations

from django.contrib import messages

from opendvc.core.files import stored_file_response
from opendvc.core.params import int_param  # noqa: F401 - the views of this package read numbers with it
from opendvc.core.problems import ProblemError

from ..uploads import UploadError, check_file, read_limited

INLINE_TYPES = {"application/pdf", "image/jpeg", "image/png"}


def procedure_components(procedure):
    return list(procedure.components.all())


def problem_messages(exc: ProblemError) -> list[str]:
    return exc.messages()


def read_files(request, components) -> tuple[list, list[tuple]]:
    """Checked files from the POST, per component input ``tp-<component id>`` (several per input) and
    ``tp-khac`` for other papers (component None), as ``(component, checked file)``; and the files the
    check refused, as ``(component, message)``. Any bad file refuses the whole POST."""
    out, refused = [], []
    by_key = {f"tp-{c.pk}": c for c in components}
    by_key["tp-khac"] = None
    for key, component in by_key.items():
        for uploaded in request.FILES.getlist(key):
            try:
                out.append((component, check_file(name=uploaded.name, content=read_limited(uploaded))))
            except UploadError as exc:
                refused.append((component, exc.message))
    return out, refused


def tell_renamed(request, files) -> None:
    """Say, on the next page, under which name each file named for another type was kept (a scan
    saved as ``a.jpg`` that is a PDF is kept as ``a.pdf``); ``files`` as ``read_files`` gives them."""
    for _component, checked in files:
        note = checked.renamed_note()
        if note:
            messages.info(request, note)


def serve_stored(request, stored, *, inline: bool, filename: str, content_type: str):
    """A stored file streamed through the authorised view (a clear page when it is missing)."""
    response = stored_file_response(request, stored, inline=inline, filename=filename, content_type=content_type)
    if response.status_code == 200:
        response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    return response



