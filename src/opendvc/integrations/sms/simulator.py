"""A simulator of the SMS provider: accepts texts (once per idempotency key), keeps them for the test
or the demo to read, and answers delivery reports."""

from __future__ import annotations

import uuid
from typing import Any

from opendvc.core.simulators import Request, Response, Simulator, json_response


class SmsSimulator(Simulator):
    name = "sms"

    def __init__(self, *, token: str = "sms-demo", **kwargs: Any) -> None:  # noqa: S107 - demo token
        super().__init__(**kwargs)
        self.token = token
        self.sent: dict[str, dict[str, Any]] = {}
        self.by_key: dict[str, str] = {}

    def handle(self, request: Request) -> Response:
        if request.header("authorization") != f"Bearer {self.token}":
            return json_response({"status": "error", "message": "unauthorised"}, status=401)
        if request.method == "POST" and request.path == "/send":
            body = request.json()
            if not isinstance(body, dict) or not body.get("to") or not body.get("text"):
                return json_response(
                    {"status": "error", "message": "to and text are required"}, status=400
                )
            key = request.header("x-idempotency-key") or ""
            with self.lock:
                if key and key in self.by_key:
                    return json_response(
                        {"status": "accepted", "id": self.by_key[key], "duplicate": True}
                    )
                provider_id = uuid.uuid4().hex
                self.sent[provider_id] = {**body, "status": "delivered"}
                if key:
                    self.by_key[key] = provider_id
            return json_response({"status": "accepted", "id": provider_id})
        if request.method == "GET" and request.path.startswith("/reports/"):
            found = self.sent.get(request.path.rsplit("/", 1)[-1])
            if found is None:
                return json_response({"status": "unknown"}, status=404)
            return json_response({"id": request.path.rsplit("/", 1)[-1], "status": found["status"]})
        return json_response({"status": "error"}, status=404)
