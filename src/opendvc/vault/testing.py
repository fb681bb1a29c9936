"""For tests that take one action at a time: hold back the online return that follows an approval
once it commits (``handlers.issue_result``), so the dossier stays at ``result_ready``."""

from __future__ import annotations

from contextlib import contextmanager

from opendvc.dossiers.signals import dossier_acted


@contextmanager
def without_online_issuance():
    from .handlers import issue_result

    dossier_acted.disconnect(dispatch_uid="vault.issue_result")
    try:
        yield
    finally:
        dossier_acted.connect(issue_result, dispatch_uid="vault.issue_result")
