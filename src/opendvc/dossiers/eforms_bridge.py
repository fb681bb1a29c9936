"""The e-forms of a procedure, through the e-forms app's public functions (dossiers depend on e-forms,
never the other way, docs/adr/0005).

When a procedure has no form, dossiers simply carry no form data.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from opendvc.eforms import selectors as eforms_selectors
from opendvc.eforms import services as eforms


class FormInvalid(ValueError):
    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__("form invalid")
        self.errors = errors


# Read with a procedure, its form needs no query of its own (``form_for``).
WITH_FORM = eforms_selectors.WITH_FORM

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
    cache = _memo.get()
    if cache is not None and procedure.pk in cache:
        return cache[procedure.pk]
    found = eforms_selectors.form_for_procedure(procedure=procedure)
    if cache is not None:
        cache[procedure.pk] = found
    return found


def validate(*, form_version, data: dict) -> dict:
    """The cleaned data, or :class:`FormInvalid` with the list of {path, message}."""
    try:
        return eforms.form_validate(form_version=form_version, data=data)
    except eforms.FormValidationError as exc:
        raise FormInvalid(list(exc.errors)) from exc


def draft_problems(*, form_version, data: dict) -> list[dict[str, str]]:
    """What is wrong with ``data`` kept as a draft: everything but missing required fields (unknown
    fields, values too long or of the wrong kind, too deep or too large)."""
    _cleaned, errors = eforms.form_clean_partial(form_version=form_version, data=data)
    return list(errors)


def render(*, form_version, data: dict, errors: list | None = None, prefix: str = "") -> str:
    return eforms.form_render(form_version=form_version, data=data, errors=errors or [], prefix=prefix)


def parse_post(*, form_version, post, prefix: str = "") -> dict:
    return eforms.form_parse_post(form_version=form_version, post=post, prefix=prefix)


def version_of(dossier) -> Any | None:
    """The form version the dossier's data was filled in (or, before that is known, the procedure's).
    Read once per dossier instance (a page asks for it in its form data and its registries panel),
    again when the dossier's form version or procedure has changed."""
    key = (dossier.form_version_id, dossier.procedure_id)
    kept = dossier.__dict__.get("_form_version_of")
    if kept is not None and kept[0] == key:
        return kept[1]
    found = eforms_selectors.form_version_by_id(dossier.form_version_id) or form_for(dossier.procedure)
    dossier.__dict__["_form_version_of"] = (key, found)
    return found


def display(*, dossier, data: dict | None = None) -> list[dict]:
    """The dossier's form data (or ``data``, e.g. with identifiers masked for staff) as readable
    sections (template ``eforms/_form_data.html``); empty when the procedure has no e-form."""
    version = version_of(dossier)
    data = dossier.form_data if data is None else data
    if version is None or not data:
        return []
    return eforms.form_data_display(form_version=version, data=data)


def profile_missing(*, user, form_version) -> list[dict[str, str]]:
    """The profile items the form takes from the profile that ``user``'s profile lacks."""
    return eforms.prefill_missing(user=user, form_version=form_version)


def prefill(*, user, procedure, acting_for=None, previous: dict | None = None) -> dict:
    """Starting values of a procedure's form for ``user`` (profile, organisation, and ``previous``: the
    data of the user's earlier filing, ``selectors.last_form_data``)."""
    return eforms.prefill_for(user=user, procedure=procedure, acting_for=acting_for, previous=previous)


def row_action(*, form_version, post, prefix: str = "") -> dict | None:
    """The data to show again after a repeatable group's add/remove button (nothing saved), or None."""
    return eforms.form_row_action(form_version=form_version, post=post, prefix=prefix)


def error_links(*, form_version, errors: list, prefix: str = "") -> list[dict[str, str]]:
    """The form's errors as error-summary links ``{target, label, message}``."""
    return eforms.error_links(form_version=form_version, errors=errors, prefix=prefix)
