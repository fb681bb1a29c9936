"""The tracking callback takes only what its schema says: string ids (the event id at most 100
characters) and a time within the service's life. A year-1 time was stored by PostgreSQL and then made
every later callback of the order and the applicant's order page answer 500; an overlong id was a 500;
a null or numeric id was stored as "None" or "12.5" and later events with the same coerced id dropped."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from opendvc.postal import services
from opendvc.postal.models import PostalEvent
from opendvc.postal.simulators import sign

from .conftest import SECRET, address, result_ready

pytestmark = pytest.mark.django_db

URL = "/api/v1/postal/tracking"


def _post(event: dict):
    body = json.dumps(event).encode()
    return Client(raise_request_exception=False).post(
        URL,
        body,
        content_type="application/json",
        headers={"X-Postal-Signature": sign(SECRET, body)},
    )


@pytest.fixture
def order(simulator, procedure, citizen, officer, leader):
    d = result_ready(procedure, citizen, officer, leader)
    order = services.return_open(dossier=d, actor=officer, address=address())
    services.order_send(order=order)
    return order


def _event(order, **change):
    return {
        "EventId": "ev-1",
        "OrderNumber": order.order_number,
        "Status": "accepted",
        "StatusTime": (timezone.now() - timedelta(hours=1)).isoformat(),
    } | change


def _refused(answer, path: str) -> None:
    assert answer.status_code == 422, answer.content[:300]
    assert answer["Content-Type"].startswith("application/problem+json")
    body = answer.json()
    assert body["code"] == "validation_error"
    assert [e["path"] for e in body["errors"]] == [path]


@pytest.mark.parametrize(
    "at",
    [
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-14:00",
        "9999-12-31T23:59:59+00:00",
        "1999-12-31T23:59:59+00:00",
        "khong-phai-ngay",
        "",
    ],
)
def test_a_time_outside_the_services_life_is_422_and_nothing_is_stored(order, at):
    _refused(_post(_event(order, StatusTime=at)), "StatusTime")
    assert not PostalEvent.objects.filter(external_id="ev-1").exists()


@pytest.mark.parametrize("ahead", [timedelta(days=2), timedelta(hours=23), timedelta(minutes=10)])
def test_a_time_ahead_of_the_clock_is_refused_and_nothing_is_stored(order, ahead):
    """Events dated up to a day ahead were taken (the clock skew allowed was a day): an event later
    than the few minutes of ``POSTAL_TRACKING_CLOCK_SKEW_SECONDS`` has not happened yet."""
    at = timezone.now() + ahead
    _refused(_post(_event(order, StatusTime=at.isoformat())), "StatusTime")
    assert not PostalEvent.objects.filter(external_id="ev-1").exists()


def test_a_time_a_little_ahead_is_taken(order, settings):
    near = timezone.now() + timedelta(minutes=2)
    assert _post(_event(order, StatusTime=near.isoformat())).status_code == 200
    settings.POSTAL_TRACKING_CLOCK_SKEW_SECONDS = 60
    later = timezone.now() + timedelta(minutes=2)
    answer = _post(_event(order, EventId="ev-2", StatusTime=later.isoformat()))
    _refused(answer, "StatusTime")
    assert "60 giây" in answer.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("EventId", "e" * 101),
        ("EventId", None),
        ("EventId", 12.5),
        ("EventId", {"a": 1}),
        ("EventId", ""),
        ("OrderNumber", None),
        ("OrderNumber", 5),
        ("Status", None),
        ("Status", ["accepted"]),
        ("StatusTime", 1733300000),
        ("Note", 5),
        ("ReceiverName", {"a": 1}),
        ("Reason", True),
    ],
)
def test_a_field_not_of_its_schema_type_is_422(order, field, value):
    _refused(_post(_event(order, **{field: value})), field)
    assert not PostalEvent.objects.filter(source=PostalEvent.Source.CARRIER).exists()


def test_a_missing_field_is_422(order):
    event = _event(order)
    del event["EventId"]
    _refused(_post(event), "EventId")


@pytest.mark.parametrize(
    ("change", "path", "english", "vietnamese"),
    [
        (
            {"EventId": None},
            "EventId",
            "Must be a non-empty string.",
            "Phải là chuỗi ký tự, không rỗng.",
        ),
        ({"EventId": "e" * 101}, "EventId", "At most 100 characters.", "Tối đa 100 ký tự."),
        ({"Note": 5}, "Note", "Must be a string.", "Phải là chuỗi ký tự."),
        (
            {"StatusTime": "hôm qua"},
            "StatusTime",
            "Must be an ISO 8601 time, from the year 2000",
            "Phải là thời điểm theo ISO 8601, từ năm 2000",
        ),
        (
            None,
            "body",
            "A tracking event must be a JSON object.",
            "Sự kiện hành trình phải là một đối tượng JSON.",
        ),
    ],
)
def test_a_fields_fault_is_told_in_the_language_asked(settings, change, path, english, vietnamese):
    """The message of the field at fault is in English when the operator asks for it with
    ``Accept-Language``, in Vietnamese otherwise."""
    settings.POSTAL_WEBHOOK_SECRET = SECRET
    event = (
        None
        if change is None
        else {
            "EventId": "ev-1",
            "OrderNumber": "KHONG-CO",
            "Status": "accepted",
            "StatusTime": timezone.now().isoformat(),
        }
        | change
    )
    body = json.dumps(event).encode()
    for language, words, other in (
        ({"Accept-Language": "en"}, english, vietnamese),
        ({}, vietnamese, english),
    ):
        answer = Client().post(
            URL,
            body,
            content_type="application/json",
            headers={"X-Postal-Signature": sign(SECRET, body), **language},
        )
        assert answer.status_code == 422, answer.content[:300]
        [error] = answer.json()["errors"]
        assert error["path"] == path and error["message"].startswith(words), (language, error)
        assert other not in error["message"]


def test_a_hundred_character_id_and_null_optional_texts_are_taken(order):
    answer = _post(_event(order, EventId="e" * 100, Note=None, Reason=None))
    assert answer.status_code == 200, answer.content[:300]
    assert PostalEvent.objects.filter(external_id="e" * 100).exists()


@pytest.mark.parametrize("body", [b"{not json", b'{"a":' + b"[" * 2000 + b"]" * 2000 + b"}"])
def test_a_body_that_is_not_json_is_400(order, body):
    answer = Client(raise_request_exception=False).post(
        URL,
        body,
        content_type="application/json",
        headers={"X-Postal-Signature": sign(SECRET, body)},
    )
    assert answer.status_code == 400 and answer.json()["code"] == "malformed_json"


def test_times_stored_out_of_range_before_are_brought_back_by_the_migration(
    postgres_db, order, citizen
):
    """Rows a year-1 callback left on PostgreSQL: the migration gives them the time they were
    recorded, after which the applicant's page and the next callback work again."""
    import importlib

    from django.apps import apps
    from django.db import connection

    assert _post(_event(order, EventId="ev-0")).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE postal_postalevent SET at = '0001-12-31 10:00:00+00 BC' WHERE order_id = %s",
            [order.pk],
        )
        cursor.execute(
            "UPDATE postal_postalorder SET last_tracking_at = '0001-12-31 10:00:00+00 BC',"
            " handed_at = '10000-01-01 13:59:59+00' WHERE id = %s",
            [order.pk],
        )
    migration = importlib.import_module(
        "opendvc.postal.migrations.0002_tracking_times_within_range"
    )
    with connection.schema_editor() as editor:
        migration.bring_into_range(apps, editor)
    event = PostalEvent.objects.filter(order=order).order_by("pk").last()
    assert event.at == event.recorded_at
    order.refresh_from_db()
    assert order.last_tracking_at is None and order.handed_at == order.updated_at
    page = Client(raise_request_exception=False)
    page.force_login(citizen)
    assert page.get("/buu-chinh/don-cua-toi/").status_code == 200
    answer = _post(_event(order, EventId="ev-2", Status="in_transit"))
    assert answer.status_code == 200, answer.content[:300]
