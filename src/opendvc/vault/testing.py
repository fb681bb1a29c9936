"""For tests that take one action at a time: hold back the online return that follows an approval
once it commits and its result is made (``handlers``), so the dossier stays at ``result_ready``."""

from __future__ import annotations

from contextlib import contextmanager

from opendvc.dossiers.signals import documents_rendered, dossier_acted


@contextmanager
def without_online_issuance():
    from . import handlers

    dossier_acted.disconnect(dispatch_uid="vault.issue_result")
    documents_rendered.disconnect(dispatch_uid="vault.file_rendered_documents")
    documents_rendered.connect(_file_only, dispatch_uid="vault.file_rendered_documents")
    try:
        yield
    finally:
        documents_rendered.disconnect(dispatch_uid="vault.file_rendered_documents")
        documents_rendered.connect(
            handlers.file_rendered_documents, dispatch_uid="vault.file_rendered_documents"
        )
        dossier_acted.connect(handlers.issue_result, dispatch_uid="vault.issue_result")


def _file_only(sender, dossier, action, documents=(), **kwargs) -> None:
    from .handlers import file_rendered_documents

    file_rendered_documents(sender, dossier, "", documents=documents)
