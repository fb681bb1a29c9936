"""The postal operator's order API behind one interface (``Carrier``), in the shape the VNPost
integrations of the provinces use: create an order whose ``OrderNumber`` is the dossier code and the leg,
with the sender, the receiver and the amount collected on delivery (COD); read its tracking; cancel it.

``VNPostCarrier`` speaks it over HTTP (httpx) to ``POSTAL_API_URL``; tests and the demo point it at the
simulator (``opendvc.postal.simulators``). ``carrier()`` is None when no API is configured: the postal
workers then record each event on the order's page.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import httpx
from django.conf import settings
from django.utils.translation import gettext as _


class CarrierError(Exception):
    """The operator's API refused the request or could not be reached (the message says which); for a
    tracking event that is not one, ``path`` names the field at fault and the message, in the language
    of the request, says what the field must be."""

    def __init__(self, message: str, *, path: str = "") -> None:
        super().__init__(message)
        self.path = path


@dataclass(frozen=True)
class Party:
    name: str
    phone: str
    address: str
    province: str


@dataclass(frozen=True)
class OrderRequest:
    order_number: str
    sender: Party
    receiver: Party
    cod_amount: int
    note: str = ""
    pickup_from: datetime | None = None
    pickup_to: datetime | None = None


@dataclass(frozen=True)
class TrackingEvent:
    event_id: str
    order_number: str
    status: str  # accepted | in_transit | delivered | failed | returned | cancelled
    at: datetime
    note: str = ""
    receiver_name: str = ""
    reason: str = ""


@dataclass(frozen=True)
class RefusedEvent:
    """An item of the operator's tracking answer that is not a tracking event: the item as received,
    the field at fault and why (in the language of the request)."""

    item: Any
    path: str
    message: str


class Carrier(Protocol):
    def create_order(self, order: OrderRequest) -> str:
        """The operator's item code for the new order (the same one again for a repeated order number)."""

    def tracking(self, order_number: str) -> tuple[list[TrackingEvent], list[RefusedEvent]]:
        """The order's events so far, and the items of the answer that are not events (each refused
        on its own: one bad item never hides the good ones)."""

    def cancel(self, order_number: str) -> None: ...


def _party(prefix: str, p: Party) -> dict[str, str]:
    return {
        f"{prefix}FullName": p.name,
        f"{prefix}Tel": p.phone,
        f"{prefix}Address": p.address,
        f"{prefix}Province": p.province,
    }


# The length of a stored event id (``PostalEvent.external_id``).
MAX_EVENT_ID = 100
# A tracking time is an instant of the service's life: not before this, not more than
# ``POSTAL_TRACKING_CLOCK_SKEW_SECONDS`` (5 minutes) after the portal's clock (the operator's clock may
# run slightly ahead; an event later than that has not happened yet).
EARLIEST_TRACKING = datetime(2000, 1, 1, tzinfo=UTC)


def tracking_clock_skew() -> timedelta:
    return timedelta(seconds=settings.POSTAL_TRACKING_CLOCK_SKEW_SECONDS)


def _instant(text: str, *, now: datetime | None = None) -> datetime:
    """The operator's ``StatusTime``: ISO 8601; a time without an offset is Vietnam time, the
    operator's own clock. Refused (``ValueError``) outside the service's life (a year-1 or year-9999
    time was stored by PostgreSQL and broke every later read of the order)."""
    from django.utils import timezone

    at = datetime.fromisoformat(text)
    if at.tzinfo is None:
        at = timezone.make_aware(at, timezone.get_default_timezone())
    now = now or timezone.now()
    try:
        inside = EARLIEST_TRACKING <= at <= now + tracking_clock_skew()
    except OverflowError:
        inside = False
    if not inside:
        raise ValueError("outside the service's life")
    return at


def _text(item: dict[str, Any], key: str, *, required: bool, limit: int | None = None) -> str:
    value = item.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise CarrierError(
            _("Phải là chuỗi ký tự, không rỗng.") if required else _("Phải là chuỗi ký tự."),
            path=key,
        )
    if limit is not None and len(value) > limit:
        raise CarrierError(_("Tối đa %(n)s ký tự.") % {"n": limit}, path=key)
    return value


def parse_event(item: dict[str, Any], *, now: datetime | None = None) -> TrackingEvent:
    """One tracking event of the operator's JSON (``CarrierError`` naming the field when it is not
    one): ``EventId``, ``OrderNumber``, ``Status`` and ``StatusTime`` are non-empty strings (the id at
    most 100 characters), ``StatusTime`` an ISO 8601 time from 2000 to now (give or take the clock
    skew ``POSTAL_TRACKING_CLOCK_SKEW_SECONDS``); ``Note``,
    ``ReceiverName`` and ``Reason`` strings when given."""
    if not isinstance(item, dict):
        raise CarrierError(_("Sự kiện hành trình phải là một đối tượng JSON."), path="body")
    event_id = _text(item, "EventId", required=True, limit=MAX_EVENT_ID)
    order_number = _text(item, "OrderNumber", required=True)
    status = _text(item, "Status", required=True)
    try:
        at = _instant(_text(item, "StatusTime", required=True), now=now)
    except ValueError:
        raise CarrierError(
            _(
                "Phải là thời điểm theo ISO 8601, từ năm 2000 đến hiện tại (sai lệch đồng hồ cho "
                "phép tối đa %(n)s giây); sự kiện chưa xảy ra không được nhận."
            )
            % {"n": settings.POSTAL_TRACKING_CLOCK_SKEW_SECONDS},
            path="StatusTime",
        ) from None
    return TrackingEvent(
        event_id=event_id,
        order_number=order_number,
        status=status,
        at=at,
        note=_text(item, "Note", required=False),
        receiver_name=_text(item, "ReceiverName", required=False),
        reason=_text(item, "Reason", required=False),
    )


class VNPostCarrier:
    def __init__(self, *, base_url: str, token: str = "", timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.client = httpx.Client(
            base_url=self.base_url,
            timeout=timeout,
            headers={"Authorization": f"Bearer {token}"} if token else {},
        )

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self.client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise CarrierError(f"{type(exc).__name__}: {exc}") from exc
        if response.status_code >= 400:
            raise CarrierError(f"HTTP {response.status_code}: {response.text[:200]}")
        try:
            return response.json()
        except (ValueError, RecursionError) as exc:  # RecursionError: nested deeper than it reads
            raise CarrierError("answer is not JSON") from exc

    def create_order(self, order: OrderRequest) -> str:
        body = {
            "OrderNumber": order.order_number,
            **_party("Sender", order.sender),
            **_party("Receiver", order.receiver),
            "CodAmount": order.cod_amount,
            "Note": order.note,
            "PickupFrom": order.pickup_from.isoformat() if order.pickup_from else None,
            "PickupTo": order.pickup_to.isoformat() if order.pickup_to else None,
        }
        data = self._call("POST", "/api/v1/Order/CreateOrder", json=body)
        code = data.get("ItemCode") if isinstance(data, dict) else None
        if not code:
            raise CarrierError("answer has no ItemCode")
        return str(code)

    def tracking(self, order_number: str) -> tuple[list[TrackingEvent], list[RefusedEvent]]:
        data = self._call("GET", "/api/v1/Order/Tracking", params={"orderNumber": order_number})
        items = data.get("Events") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise CarrierError("answer has no Events")
        events: list[TrackingEvent] = []
        refused: list[RefusedEvent] = []
        for item in items:
            try:
                events.append(parse_event(item))
            except CarrierError as exc:
                refused.append(RefusedEvent(item=item, path=exc.path or "body", message=str(exc)))
        return events, refused

    def cancel(self, order_number: str) -> None:
        self._call("POST", "/api/v1/Order/CancelOrder", json={"OrderNumber": order_number})


def carrier() -> Carrier | None:
    if not settings.POSTAL_API_URL:
        return None
    return VNPostCarrier(
        base_url=settings.POSTAL_API_URL,
        token=settings.POSTAL_API_TOKEN,
        timeout=settings.POSTAL_API_TIMEOUT,
    )


__all__ = [
    "Carrier",
    "CarrierError",
    "OrderRequest",
    "Party",
    "RefusedEvent",
    "TrackingEvent",
    "VNPostCarrier",
    "asdict",
    "carrier",
    "parse_event",
]
