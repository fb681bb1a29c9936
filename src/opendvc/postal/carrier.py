"""The postal operator's order API behind one interface (``Carrier``), in the shape the VNPost
integrations of the provinces use: create an order whose ``OrderNumber`` is the dossier code and the leg,
with the sender, the receiver and the amount collected on delivery (COD); read its tracking; cancel it.

``VNPostCarrier`` speaks it over HTTP (httpx) to ``POSTAL_API_URL``; tests and the demo point it at the
simulator (``opendvc.postal.simulators``). ``carrier()`` is None when no API is configured: the postal
workers then record each event on the order's page.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Protocol

import httpx
from django.conf import settings


class CarrierError(Exception):
    """The operator's API refused the request or could not be reached (the message says which)."""


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


class Carrier(Protocol):
    def create_order(self, order: OrderRequest) -> str:
        """The operator's item code for the new order (the same one again for a repeated order number)."""

    def tracking(self, order_number: str) -> list[TrackingEvent]: ...

    def cancel(self, order_number: str) -> None: ...


def _party(prefix: str, p: Party) -> dict[str, str]:
    return {
        f"{prefix}FullName": p.name,
        f"{prefix}Tel": p.phone,
        f"{prefix}Address": p.address,
        f"{prefix}Province": p.province,
    }


def _instant(text: str) -> datetime:
    """The operator's ``StatusTime``: ISO 8601; a time without an offset is Vietnam time, the
    operator's own clock."""
    at = datetime.fromisoformat(text)
    if at.tzinfo is None:
        from django.utils import timezone

        at = timezone.make_aware(at, timezone.get_default_timezone())
    return at


def parse_event(item: dict[str, Any]) -> TrackingEvent:
    """One tracking event of the operator's JSON (``CarrierError`` when it is not one)."""
    try:
        return TrackingEvent(
            event_id=str(item["EventId"]),
            order_number=str(item["OrderNumber"]),
            status=str(item["Status"]),
            at=_instant(str(item["StatusTime"])),
            note=str(item.get("Note") or ""),
            receiver_name=str(item.get("ReceiverName") or ""),
            reason=str(item.get("Reason") or ""),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise CarrierError(f"tracking event malformed: {exc!r}") from exc


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
        except ValueError as exc:
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

    def tracking(self, order_number: str) -> list[TrackingEvent]:
        data = self._call("GET", "/api/v1/Order/Tracking", params={"orderNumber": order_number})
        items = data.get("Events") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise CarrierError("answer has no Events")
        return [parse_event(i) for i in items]

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
    "TrackingEvent",
    "VNPostCarrier",
    "asdict",
    "carrier",
    "parse_event",
]
