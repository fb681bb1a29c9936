"""``core.prepared``: a read built once gives what the ORM gives, for every call's values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import OuterRef, Value
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from opendvc.accounts.tests.factories import UserFactory
from opendvc.agencies.selectors import has_active_roles
from opendvc.api.models import ApiToken, hash_token
from opendvc.api.services import api_token_create
from opendvc.core.prepared import PreparedRead, first_row, row_insert, row_update

pytestmark = pytest.mark.django_db


def _fields(obj) -> dict:
    return {k: v for k, v in obj.__dict__.items() if k != "_state"}


def test_same_instances_as_the_orm_with_related_rows_and_annotations():
    tokens = [
        api_token_create(owner=UserFactory(), name=f"t{i}", scopes=["read"]) for i in range(3)
    ]

    def build(name):
        return (
            ApiToken.objects.filter(name=name)
            .select_related("owner")
            .annotate(owner_has_roles=has_active_roles(OuterRef("owner")))
            .order_by("pk")
        )

    read = PreparedRead(build, "name")
    for token, _raw in tokens:
        got = read.first(token.name)
        want = build(token.name).first()
        assert _fields(got) == _fields(want)
        assert got.owner_has_roles is False
        # The related row is loaded with it, as select_related does.
        assert ApiToken.owner.is_cached(got)
        assert _fields(got.owner) == _fields(want.owner)
        assert got._state.adding is False and got._state.db == "default"
    assert read.first("no such name") is None
    # Built once for this connection, whatever the values.
    kept = list(read._local.statements.values())
    assert len(kept) == 1 and kept[0] is not None


def test_integers_and_several_rows_in_the_queryset_order():
    owner = UserFactory()
    for i in range(3):
        api_token_create(owner=owner, name=f"t{i}", scopes=["read"])
    read = PreparedRead(
        lambda owner_id: ApiToken.objects.filter(owner=owner_id).order_by("-name"), 1
    )
    assert [t.name for t in read.list(owner.pk)] == ["t2", "t1", "t0"]
    assert read.list(owner.pk + 1000) == []


def test_runs_through_the_connection_like_any_statement():
    token, _raw = api_token_create(owner=UserFactory(), name="seen", scopes=["read"])
    read = PreparedRead(lambda name: ApiToken.objects.filter(name=name), "name")
    read.first("warm")
    with CaptureQueriesContext(connection) as ctx:
        assert read.first("seen") == token
    assert len(ctx.captured_queries) == 1


def test_a_time_passed_in_each_call_is_never_frozen():
    token, raw = api_token_create(
        owner=UserFactory(),
        name="expiring",
        scopes=["read"],
        expires_at=timezone.now() + timedelta(hours=1),
    )
    read = PreparedRead(
        lambda token_hash, now: ApiToken.objects.usable(now=now).filter(token_hash=token_hash),
        "hash",
        datetime(2000, 1, 1, tzinfo=UTC),
    )
    assert read.first(hash_token(raw), timezone.now()) == token
    assert read.first(hash_token(raw), timezone.now() + timedelta(hours=2)) is None
    assert read.first(hash_token(raw), timezone.now()) == token
    kept = next(iter(read._local.statements.values()))
    # PostgreSQL takes the datetime as it is (kept); SQLite turns it into text (the ORM each time).
    assert (kept is not None) == (connection.vendor == "postgresql")


def test_a_boolean_cannot_be_a_placeholder():
    read = PreparedRead(lambda flag: ApiToken.objects.filter(owner__is_active=flag), True)
    # Refused when the statement is built: the ORM answers instead.
    assert read.list(True) == []
    assert next(iter(read._local.statements.values())) is None


def test_values_rows_as_dicts_like_the_orm():
    owner = UserFactory()
    for i in range(3):
        api_token_create(owner=owner, name=f"v{i}", scopes=["read", "dossiers:write"][: i + 1])

    def build(owner_id):
        return (
            ApiToken.objects.filter(owner=owner_id)
            .values("name", "scopes", "owner__email")
            .order_by("name")
        )

    read = PreparedRead(build, 1)
    assert read.list(owner.pk) == list(build(owner.pk))
    assert read.list(owner.pk)[1]["scopes"] == ["dossiers:write", "read"]
    assert next(iter(read._local.statements.values())) is not None
    # values_list() is left to the ORM.
    flat = PreparedRead(
        lambda owner_id: ApiToken.objects.filter(owner=owner_id).values_list("name", flat=True), 1
    )
    assert sorted(flat.list(owner.pk)) == ["v0", "v1", "v2"]
    assert next(iter(flat._local.statements.values())) is None


def test_a_locked_read_is_built_once_and_routed_like_a_write(monkeypatch):
    owner = UserFactory()
    token, _raw = api_token_create(owner=owner, name="locked", scopes=["read"])
    read = PreparedRead(lambda pk: ApiToken.objects.select_for_update().filter(pk=pk), 1)
    asked = []
    from opendvc.core import prepared

    monkeypatch.setattr(
        prepared.router, "db_for_write", lambda model, **hints: asked.append("write") or "default"
    )
    monkeypatch.setattr(
        prepared.router, "db_for_read", lambda model, **hints: asked.append("read") or "default"
    )
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        got = read.list(token.pk)
    assert asked == ["write"]
    assert [t.pk for t in got] == [token.pk]
    assert _fields(got[0]) == _fields(ApiToken.objects.get(pk=token.pk))
    if connection.features.has_select_for_update:
        assert "FOR UPDATE" in queries[0]["sql"]


def test_row_update_writes_what_save_with_update_fields_writes():
    from opendvc.eforms.models import FormDefinition

    user = UserFactory()
    form = FormDefinition.objects.create(key="k-row", title="Tờ khai", working_copy={"a": 1})
    before = form.updated_at
    form.title = "Tờ khai đã sửa"
    form.working_copy = {"trường": ["một", 2]}
    form.updated_by = user
    form.key = "not-written"  # not listed: stays as it is in the row
    with CaptureQueriesContext(connection) as queries:
        row_update(form, ("title", "working_copy", "updated_by", "updated_at"))
    assert len(queries) == 1 and queries[0]["sql"].startswith("UPDATE")
    row = FormDefinition.objects.get(pk=form.pk)
    assert (row.title, row.working_copy, row.updated_by_id) == (
        "Tờ khai đã sửa", {"trường": ["một", 2]}, user.pk,
    )  # fmt: skip
    assert row.key == "k-row"
    # ``auto_now`` ran (``pre_save``), in the row and on the instance, as with save().
    assert row.updated_at == form.updated_at and row.updated_at > before
    # The same fields again: the statement kept, the values new.
    form.title, form.updated_by = "Lần hai", None
    row_update(form, ("title", "working_copy", "updated_by", "updated_at"))
    row = FormDefinition.objects.get(pk=form.pk)
    assert (row.title, row.updated_by_id) == ("Lần hai", None)


def test_row_update_of_a_row_that_is_gone_raises():
    from opendvc.eforms.models import FormDefinition

    form = FormDefinition.objects.create(key="k-gone", title="T", working_copy={})
    FormDefinition.objects.filter(pk=form.pk).delete()
    form.title = "x"
    with pytest.raises(DatabaseError):
        row_update(form, ("title",))


def test_row_update_goes_through_save_for_an_expression():
    from django.db.models.functions import Upper

    from opendvc.eforms.models import FormDefinition

    form = FormDefinition.objects.create(key="k-upd-expr", title="thường", working_copy={})
    form.title = Upper(Value("viet hoa"))  # ASCII: SQLite upper-cases only that
    row_update(form, ("title", "updated_at"))
    assert FormDefinition.objects.get(pk=form.pk).title == "VIET HOA"
    FormDefinition.objects.filter(pk=form.pk).delete()
    form.title = Upper(Value("mat"))
    with pytest.raises(DatabaseError):  # a row that is gone raises on this path too
        row_update(form, ("title",))


def test_first_row_picks_what_first_picks():
    """In the model's default order when it has one, else by key; as a read kept by ``PreparedRead``."""
    from opendvc.eforms.models import FormDefinition

    for key in ("k-first-b", "k-first-a", "k-first-c"):
        FormDefinition.objects.create(key=key, title="T", working_copy={})
    rows = FormDefinition.objects.filter(key__startswith="k-first-")
    for queryset in (rows, rows.order_by("key"), rows.order_by("-pk")):
        read = PreparedRead(lambda prefix, qs=queryset: first_row(qs.filter(key__startswith=prefix)), "k")
        assert first_row(queryset).get() == queryset.first()
        assert read.first("k-first-") == queryset.first()
    assert read.first("khong-co-") is None


def test_row_insert_writes_what_save_writes_and_reads_the_key_back():
    from opendvc.eforms.models import FormDefinition

    user = UserFactory()
    made = []
    for i in range(2):  # the second insert reuses the statement kept by the first
        form = FormDefinition(key=f"k-ins-{i}", title="Tờ khai", working_copy={"ô": [i]}, updated_by=user)
        with CaptureQueriesContext(connection) as queries:
            row_insert(form)
        assert len(queries) == 1 and queries[0]["sql"].startswith("INSERT")
        assert form.pk is not None and form._state.adding is False and form._state.db == "default"
        made.append(form)
    for form in made:
        row = FormDefinition.objects.get(pk=form.pk)
        # Defaults and ``auto_now_add`` / ``auto_now`` filled as save() fills them, on the instance too.
        assert _fields(row) == _fields(form)
        assert row.created_at is not None and row.updated_by_id == user.pk
    assert made[0].pk != made[1].pk


def test_row_insert_goes_through_save_for_a_key_already_set_or_an_expression():
    from django.db.models.functions import Upper

    from opendvc.eforms.models import FormDefinition

    form = FormDefinition(key="k-expr", title="thường", working_copy={})
    form.title = Upper(Value("viet hoa"))  # ASCII: SQLite upper-cases only that
    row_insert(form)
    assert FormDefinition.objects.get(pk=form.pk).title == "VIET HOA"
    other = FormDefinition(pk=form.pk + 1000, key="k-pk", title="T", working_copy={})
    row_insert(other)
    assert FormDefinition.objects.filter(pk=form.pk + 1000).exists()


def test_row_insert_of_a_duplicate_raises_like_save():
    from opendvc.eforms.models import FormDefinition

    row_insert(FormDefinition(key="k-dup", title="T", working_copy={}))
    with pytest.raises(IntegrityError), transaction.atomic():
        row_insert(FormDefinition(key="k-dup", title="T", working_copy={}))
