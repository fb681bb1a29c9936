"""The sender to the province's one-stop software: ``POST <ONESTOP_URL>/hoso`` with the dossier, signed
(``signing``), the message id in ``X-Idempotency-Key``; the files as signed links made when sent."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings

from opendvc.accounts import crypto
from opendvc.core.links import absolute_url

from ..transport import (
    DeliveryError,
    http_client,
    json_answer,
    register_sender,
    transport_error,
)
from .signing import file_token, signed_headers


class OneStopClient:
    def __init__(self, base_url: str | None = None, *, secret: str | None = None) -> None:
        self.base_url = (base_url or settings.ONESTOP_URL).rstrip("/")
        self.secret = secret if secret is not None else settings.ONESTOP_SECRET
        self.http = http_client()

    def send(self, *, message_id: str, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        if not self.base_url:
            raise DeliveryError(transport_error("onestop_unset"))
        data = {k: v for k, v in payload.items() if k != "form_data_ciphertext"}
        data["form_data"] = json.loads(
            crypto.decrypt(payload.get("form_data_ciphertext", "")) or "{}"
        )
        data["files"] = [
            {**f, "url": absolute_url("integrations:onestop_file", args=[file_token(f["id"])])}
            for f in payload.get("files", [])
        ]
        data["message_id"] = message_id
        body = json.dumps(data, ensure_ascii=False).encode()
        headers = {**signed_headers(self.secret, body), "X-Idempotency-Key": message_id}
        answer = json_answer(self.http.post(f"{self.base_url}/hoso", content=body, headers=headers))
        if answer.get("status") != "ok":
            raise DeliveryError(transport_error("onestop_refused", detail=repr(answer))[:500])
        return answer


register_sender("onestop", lambda destination: OneStopClient())
