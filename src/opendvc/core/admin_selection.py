"""The Django admin's bulk actions take the rows ticked on the change list (``_selected_action``).
Django filters the rows by those values as they came: a value edited by hand that the primary key
cannot hold ("abc", "1.5", 30 digits) raised in the query and answered 500, on every admin page with
an action (the catalog's "Tạm ngưng", every model's "delete selected"). Such a value names no row: it
is dropped before the action runs, as an id of no row already is (nothing left: the admin's own "no
items selected" message)."""

from __future__ import annotations

from django.contrib.admin import ModelAdmin, helpers
from django.core.exceptions import ValidationError
from django.db import models

from .params import row_id


def selectable(model: type[models.Model], value: str) -> bool:
    """Whether ``value`` can be a primary key of ``model`` (a row's integer key, a UUID…)."""
    pk = model._meta.pk
    target = pk.target_field if pk.is_relation else pk
    if isinstance(target, models.IntegerField):
        return row_id(value) is not None
    try:
        target.to_python(value)
    except ValidationError:
        return False
    return True


def _checked(response_action):
    def response_action_checked(self, request, queryset):
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        kept = [v for v in selected if selectable(self.model, v)]
        if kept != selected:
            request.POST = request.POST.copy()
            request.POST.setlist(helpers.ACTION_CHECKBOX_NAME, kept)
        return response_action(self, request, queryset)

    response_action_checked.selection_checked = True
    return response_action_checked


def admin_selection_check() -> None:
    """Drop the values no row can have from every admin's bulk actions (once per process)."""
    if not getattr(ModelAdmin.response_action, "selection_checked", False):
        ModelAdmin.response_action = _checked(ModelAdmin.response_action)
