"""A simulator of the province's one-stop software: receives the dossiers the portal sends (checks the
signature, applies each message id once) and posts status changes back to the portal's webhook,
signed, with ``report`` (honouring the ``duplicate`` and ``reorder`` switches of callbacks)."""

from __future__ import annotations

import hmac
import json
import uuid
from typing import Any

from opendvc.core.simulators import Request, Response, Simulator, json_response

from .signing import signature, signed_headers


class OneStopSimulator(Simulator):
    name = "onestop"

    def __init__(
        self,
        *,
        secret: str = "bi-mat-mot-cua",  # noqa: S107 - the demo peer's shared secret
        portal_url: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.secret = secret
        self.portal_url = portal_url.rstrip("/")
        self.dossiers: dict[str, dict[str, Any]] = {}
        self.seen: set[str] = set()
        self.duplicates = 0
        self.results: dict[str, bytes] = {}

    def publish_result(self, content: bytes) -> str:
        """Hold a result file behind an unguessable link, as the software does for the portal to fetch."""
        token = uuid.uuid4().hex
        with self.lock:
            self.results[token] = content
        return f"{self.url}/ket-qua/{token}"

    def handle(self, request: Request) -> Response:
        if request.method == "GET" and request.path.startswith("/ket-qua/"):
            content = self.results.get(request.path.rsplit("/", 1)[-1])
            if content is None:
                return json_response({"status": "error", "message": "Không có tệp"}, status=404)
            return Response(status=200, body=content, content_type="application/pdf")
        if request.method != "POST" or request.path.rstrip("/") != "/hoso":
            return json_response({"status": "error", "message": "Không có dịch vụ này"}, status=404)
        expected = signature(self.secret, request.header("x-timestamp", ""), request.body)
        if not hmac.compare_digest(expected, request.header("x-signature", "")):
            return json_response({"status": "error", "message": "Sai chữ ký"}, status=401)
        data = request.json()
        message_id = request.header("x-idempotency-key") or data.get("message_id", "")
        with self.lock:
            if message_id in self.seen:
                self.duplicates += 1
                return json_response({"status": "ok", "duplicate": True})
            self.seen.add(message_id)
            self.dossiers[data["dossier"]] = data
        return json_response({"status": "ok", "ma_ho_so_mot_cua": f"MC-{data['dossier']}"})

    def signed(
        self, payload: dict[str, Any], *, now: float | None = None
    ) -> tuple[bytes, dict[str, str]]:
        body = json.dumps(payload, ensure_ascii=False).encode()
        return body, signed_headers(self.secret, body, now=now)

    def report(
        self,
        dossier: str,
        status: str,
        inputs: dict[str, Any] | None = None,
        *,
        message_id: str | None = None,
        **extra: Any,
    ) -> list:
        """Post a status change of ``dossier`` to the portal's webhook."""
        payload = {
            "message_id": message_id or uuid.uuid4().hex,
            "dossier": dossier,
            "status": status,
            "inputs": inputs or {},
            **extra,
        }
        body, headers = self.signed(payload)
        return self.callback(
            "POST",
            f"{self.portal_url}/api/v1/integrations/onestop/events",
            content=body,
            headers=headers,
        )
