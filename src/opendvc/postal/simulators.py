"""The postal operator's order API as a real HTTP server (``opendvc.core.simulators``).

``POST /api/v1/Order/CreateOrder`` (JSON with ``OrderNumber``, sender, receiver, ``CodAmount``) answers the
item code — the same one for an order number it already has; ``GET /api/v1/Order/Tracking?orderNumber=``
the events so far; ``POST /api/v1/Order/CancelOrder``. ``advance(order_number, status)`` plays the postal
worker: it appends an event and sends it to the portal's tracking callback (``callback_url``), signed
with ``secret`` — twice under the ``duplicate`` switch, held and sent newest first under ``reorder``.
``POST /_advance`` does the same over HTTP for the demo. ``extra``: ``{"not_found": true}`` answers 404
to tracking; ``{"reject": "reason"}`` refuses new orders; ``{"tamper": {2: {"Status": "lost"}}}`` answers
the tracking with those fields of the order's 2nd event changed (a bad event among good ones).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
from datetime import datetime
from typing import Any

from opendvc.core.simulators import Request, Response, Simulator, json_response, register

STATUSES = ("accepted", "in_transit", "delivered", "failed", "returned", "cancelled")


def sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class PostalSimulator(Simulator):
    name = "postal"

    def __init__(self, *, callback_url: str = "", secret: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.callback_url = callback_url
        self.secret = secret
        self.orders: dict[str, dict[str, Any]] = {}
        self._ids = itertools.count(1)

    def handle(self, request: Request) -> Response:
        extra = self.switches.extra
        if request.method == "POST" and request.path == "/api/v1/Order/CreateOrder":
            body = request.json() or {}
            number = str(body.get("OrderNumber") or "")
            if not number or not body.get("ReceiverAddress"):
                return json_response(
                    {"error": "OrderNumber and ReceiverAddress are required"}, status=400
                )
            if extra.get("reject"):
                return json_response({"error": extra["reject"]}, status=422)
            with self.lock:
                order = self.orders.get(number)
                if order is None:
                    order = self.orders[number] = {
                        "request": body,
                        "ItemCode": f"EL{next(self._ids):09d}VN",
                        "events": [],
                        "cancelled": False,
                    }
            return json_response({"OrderNumber": number, "ItemCode": order["ItemCode"]})
        if request.method == "GET" and request.path == "/api/v1/Order/Tracking":
            number = request.arg("orderNumber") or ""
            order = self.orders.get(number)
            if order is None or extra.get("not_found"):
                return json_response({"error": "order not found"}, status=404)
            tamper = extra.get("tamper") or {}
            events = [
                {**event, **tamper.get(n, {})} for n, event in enumerate(order["events"], start=1)
            ]
            return json_response(
                {"OrderNumber": number, "ItemCode": order["ItemCode"], "Events": events}
            )
        if request.method == "POST" and request.path == "/api/v1/Order/CancelOrder":
            number = str((request.json() or {}).get("OrderNumber") or "")
            order = self.orders.get(number)
            if order is None:
                return json_response({"error": "order not found"}, status=404)
            order["cancelled"] = True
            return json_response({"OrderNumber": number, "Cancelled": True})
        if request.method == "POST" and request.path == "/_advance":
            body = request.json() or {}
            event = self.advance(
                str(body.get("OrderNumber") or ""),
                str(body.get("Status") or ""),
                receiver_name=body.get("ReceiverName") or "",
                reason=body.get("Reason") or "",
            )
            return json_response(event)
        return json_response({"error": "not found"}, status=404)

    def advance(
        self,
        order_number: str,
        status: str,
        *,
        at: datetime | None = None,
        receiver_name: str = "",
        reason: str = "",
        note: str = "",
    ) -> dict[str, Any]:
        """Append a tracking event to the order and send it to the portal; returns the event."""
        if status not in STATUSES:
            raise ValueError(status)
        with self.lock:
            order = self.orders[order_number]
            event = {
                "EventId": f"{order['ItemCode']}-{len(order['events']) + 1}",
                "OrderNumber": order_number,
                "ItemCode": order["ItemCode"],
                "Status": status,
                "StatusTime": (at or datetime.now().astimezone()).isoformat(),
                "Note": note,
                "ReceiverName": receiver_name,
                "Reason": reason,
            }
            order["events"].append(event)
        if self.callback_url:
            body = json.dumps(event, ensure_ascii=False).encode()
            self.callback(
                "POST",
                self.callback_url,
                content=body,
                headers={
                    "Content-Type": "application/json",
                    "X-Postal-Signature": sign(self.secret, body),
                },
            )
        return event


DEMO_SECRET = "demo-postal-webhook-secret"


def _demo(**kwargs: Any) -> PostalSimulator:
    return PostalSimulator(
        callback_url="http://127.0.0.1:8000/api/v1/postal/tracking", secret=DEMO_SECRET, **kwargs
    )


register(
    "postal",
    _demo,
    port=18601,
    settings=lambda url: {"POSTAL_API_URL": url, "POSTAL_WEBHOOK_SECRET": DEMO_SECRET},
    help="Bưu điện (VNPost): tạo đơn, hành trình, hủy; POST /_advance gửi cập nhật hành trình về Cổng.",
)
