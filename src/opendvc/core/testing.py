"""Test support: replay a seed's rows instead of running it again.

Seeding the shipped catalog runs the importer over 78 procedures (thousands of statements, seconds of
CPU), and a hundred tests start from it. ``replayed(seed)`` runs the real seed the first time in a
process and records what it changed, row by row; later calls, when the database is in the same state
as before that first run (every table with the same count and largest key) and on the same day,
write the same rows again in one transaction (keys, audit chain and all) instead of running the
seed. Any other state runs the real seed. Only the suite uses it (the root conftest); the portal
always runs the real seed.

"The same state" is judged on the tables the seed's rows are about: those it wrote, and those its rows
point to (a foreign key with a value). A row elsewhere — a user a test made first, the content types
a flush made again under new keys — neither changes what the seed writes nor stops its replay. A seed
that changed nothing (run again over its own rows) is recorded against every table: an empty snapshot
would otherwise match any state, and a later empty database would get nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Count, Max
from django.utils import timezone


@dataclass
class _Changes:
    fields: list  # concrete fields, in the order of each row tuple
    inserted: list[tuple]
    updated: list[tuple]
    deleted: list[Any]


@dataclass
class _Snapshot:
    before: dict  # model -> (count, largest key), for the models the seed's rows are about
    changes: dict  # model -> _Changes
    replays: int = 0


def _models() -> list:
    return [
        m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.managed and not m._meta.proxy
    ]


def _shape(models, using: str) -> dict:
    out = {}
    for model in models:
        pk = model._meta.pk.attname
        agg = model._base_manager.using(using).order_by().aggregate(n=Count("pk"), top=Max(pk))
        out[model] = (agg["n"], agg["top"])
    return out


def _rows(model, using: str) -> tuple[list, dict]:
    fields = list(model._meta.concrete_fields)
    pk_index = fields.index(model._meta.pk)
    rows = model._base_manager.using(using).order_by().values_list(*[f.attname for f in fields])
    return fields, {row[pk_index]: row for row in rows}


def _record(seed: Callable[[], None], using: str) -> _Snapshot:
    models = _models()
    before_shape = _shape(models, using)
    before = {m: _rows(m, using)[1] for m in models}
    seed()
    changes = {}
    for model in models:
        old = before[model]
        fields, new = _rows(model, using)
        if new == old:
            continue
        changes[model] = _Changes(
            fields=fields,
            inserted=[row for key, row in new.items() if key not in old],
            updated=[row for key, row in new.items() if key in old and old[key] != row],
            deleted=[key for key in old if key not in new],
        )
    about = set(changes) | _pointed_to(changes)
    if not about:
        # The seed changed nothing (its rows were all there already): that says nothing of what it
        # writes from another state, so the snapshot only stands for this very state — every table.
        about = set(before_shape)
    return _Snapshot(before={m: before_shape[m] for m in before_shape if m in about}, changes=changes)


def _pointed_to(changes: dict) -> set:
    """The models the written rows point to: a foreign key of theirs with a value."""
    out = set()
    for change in changes.values():
        rows = change.inserted + change.updated
        for index, field in enumerate(change.fields):
            if (
                field.is_relation
                and field.related_model is not None
                and any(row[index] is not None for row in rows)
            ):
                out.add(field.related_model)
    return out


def _replay(snapshot: _Snapshot, using: str, after: Callable[[], None] | None) -> None:
    with transaction.atomic(using=using):
        for model, change in snapshot.changes.items():
            manager = model._base_manager.using(using)
            if change.deleted:
                manager.filter(pk__in=change.deleted).delete()
            names = [f.attname for f in change.fields]
            for row in change.updated:
                values = dict(zip(names, row, strict=True))
                manager.filter(pk=values.pop(model._meta.pk.attname)).update(**values)
            if change.inserted:
                objs = [model(**dict(zip(names, row, strict=True))) for row in change.inserted]
                # raw: the rows are written as recorded (timestamps too, so the audit chain holds).
                for start in range(0, len(objs), 500):
                    manager._insert(objs[start : start + 500], fields=change.fields, raw=True)
        connection = connections[using]
        statements = connection.ops.sequence_reset_sql(no_style(), list(snapshot.changes))
        if statements:
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)
        if after:
            after()


_snapshots: dict[tuple, list[_Snapshot]] = {}
# Per seed: the usual starting states (empty tables, after a flush, ...). When they are all taken, a
# snapshot never replayed gives its place to the new state: the first states a process meets are
# often one-offs (rows a test made first, with keys no later test has), and the state most tests
# start from would otherwise never be recorded (the real seed then ran for a hundred tests).
MAX_SNAPSHOTS = 4


def replayed(
    seed: Callable[..., None],
    *,
    after: Callable[[], None] | None = None,
    using: str = DEFAULT_DB_ALIAS,
) -> Callable[..., None]:
    """``seed`` that replays its recorded rows when it can (see the module's docstring); ``after``
    runs after a replay, inside its transaction (to invalidate what the real seed would have, e.g. a
    cache revision). Called with arguments (``stdout=…``), it always runs the real seed."""

    @functools.wraps(seed)
    def run(*args, **kwargs) -> None:
        if args or kwargs:
            return seed(*args, **kwargs)
        key = (seed.__module__, seed.__qualname__, connections[using].vendor, timezone.localdate())
        known = _snapshots.setdefault(key, [])
        shapes: dict = {}
        for snapshot in known:
            models = [m for m in snapshot.before if m not in shapes]
            shapes.update(_shape(models, using))
            if all(shapes[m] == top for m, top in snapshot.before.items()):
                _replay(snapshot, using, after)
                snapshot.replays += 1
                return None
        if len(known) >= MAX_SNAPSHOTS:
            unused = next((s for s in known if not s.replays), None)
            if unused is None:
                # Every kept state comes back: the real seed, without recording this one.
                return seed()
            known.remove(unused)
        known.append(_record(seed, using))
        return None

    run.__wrapped_seed__ = seed
    return run
