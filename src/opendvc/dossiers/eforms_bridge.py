"""The e-forms of a procedure, through the e-forms app's public functions.

When the e-forms app is not installed or a procedure has no form, dossiers simply carry no form data.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any


class FormInvalid(ValueError):
    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__("form invalid")
        self.errors = errors


def _available() -> bool:
    from django.apps import apps

    return apps.is_installed("opendvc.eforms")


_memo: ContextVar[dict | None] = ContextVar("dossiers_form_memo", default=None)


@contextmanager
def memo():
    """Within this block, the form of a procedure is looked up once (one submission = one lookup)."""
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def form_for(procedure) -> Any | None:
    """The procedure's current form version, or None."""
    if not _available():
        return None
    cache = _memo.get()
    if cache is not None and procedure.pk in cache:
        return cache[procedure.pk]
    try:
        from opendvc.eforms.selectors import form_for_procedure
    except ImportError:
        return None
    found = form_for_procedure(procedure=procedure)
    if cache is not None:
        cache[procedure.pk] = found
    return found


def validate(*, form_version, data: dict) -> dict:
    """The cleaned data, or :class:`FormInvalid` with the list of {path, message}."""
    from opendvc.eforms.services import FormValidationError, form_validate

    try:
        return form_validate(form_version=form_version, data=data)
    except FormValidationError as exc:
        raise FormInvalid(list(exc.errors)) from exc


def render(*, form_version, data: dict, errors: list | None = None, prefix: str = "") -> str:
    from opendvc.eforms.services import form_render

    return form_render(form_version=form_version, data=data, errors=errors or [], prefix=prefix)


def parse_post(*, form_version, post, prefix: str = "") -> dict:
    from opendvc.eforms.services import form_parse_post

    return form_parse_post(form_version=form_version, post=post, prefix=prefix)


def version_of(dossier) -> Any | None:
    """The form version the dossier's data was filled in (or, before that is known, the procedure's)."""
    if not _available():
        return None
    from opendvc.eforms.selectors import form_version_by_id

    return form_version_by_id(dossier.form_version_id) or form_for(dossier.procedure)


def display(*, dossier, data: dict | None = None) -> list[dict]:
    """The dossier's form data (or ``data``, e.g. with identifiers masked for staff) as readable
    sections (template ``eforms/_form_data.html``); empty when the procedure has no e-form."""
    version = version_of(dossier)
    data = dossier.form_data if data is None else data
    if version is None or not data:
        return []
    from opendvc.eforms.services import form_data_display

    return form_data_display(form_version=version, data=data)


def profile_missing(*, user, form_version) -> list[dict[str, str]]:
    """The profile items the form takes from the profile that ``user``'s profile lacks."""
    from opendvc.eforms.services import prefill_missing

    return prefill_missing(user=user, form_version=form_version)


def prefill(*, user, procedure, acting_for=None, previous: dict | None = None) -> dict:
    """Starting values of a procedure's form for ``user`` (profile, organisation, and ``previous``: the
    data of the user's earlier filing, ``selectors.last_form_data``)."""
    if not _available():
        return {}
    from opendvc.eforms.services import prefill_for

    return prefill_for(user=user, procedure=procedure, acting_for=acting_for, previous=previous)


def row_action(*, form_version, post, prefix: str = "") -> dict | None:
    """The data to show again after a repeatable group's add/remove button (nothing saved), or None."""
    from opendvc.eforms.services import form_row_action

    return form_row_action(form_version=form_version, post=post, prefix=prefix)


def error_links(*, form_version, errors: list, prefix: str = "") -> list[dict[str, str]]:
    """The form's errors as error-summary links ``{target, label, message}``."""
    from opendvc.eforms.services import error_links as links

    return links(form_version=form_version, errors=errors, prefix=prefix)
