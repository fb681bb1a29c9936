"""The National Public Service Portal's adapter, with the shape the provinces' one-stop systems use:
a session opened by ``/login`` (sent back in the ``session`` header, opened again when the portal
answers 401), then ``DongBoHoSoMC`` (dossier upsert), ``CapNhatTienDoHoSoMC`` (progress) and
``TraCuuHoSo`` (lookup). Each message carries its outbox id in ``X-Idempotency-Key`` (and as
``MessageId`` in the body) so the portal applies it once.

The portal answers ``{"error_code": "0", "message": …}`` on success; anything else is a
``DeliveryError`` and the relay retries.
"""

from __future__ import annotations

import threading
from typing import Any

import httpx
from django.conf import settings

from ..transport import (
    DeliveryError,
    describe,
    http_client,
    json_answer,
    register_sender,
    transport_error,
)
from . import mapping

SERVICES = {
    "national.DongBoHoSoMC": "DongBoHoSoMC",
    "national.CapNhatTienDoHoSoMC": "CapNhatTienDoHoSoMC",
}


class NationalClient:
    def __init__(
        self,
        base_url: str | None = None,
        *,
        username: str | None = None,
        password: str | None = None,
    ) -> None:
        self.base_url = (base_url or settings.NATIONAL_PORTAL_URL).rstrip("/")
        self.username = username if username is not None else settings.NATIONAL_PORTAL_USERNAME
        self.password = password if password is not None else settings.NATIONAL_PORTAL_PASSWORD
        self.http = http_client()
        self._session = ""
        self._lock = threading.Lock()
        self.statuses: dict[str, int | None] = {}
        self.channels: dict[str, int] = {}

    # -- session -------------------------------------------------------------------------------------
    def login(self, *, stale: str = "") -> str:
        with self._lock:
            if self._session and self._session != stale:
                return self._session  # another thread opened a new one meanwhile
            answer = json_answer(
                self.http.post(
                    f"{self.base_url}/login",
                    json={"username": self.username, "password": self.password},
                )
            )
            session = answer.get("session")
            if not isinstance(session, str) or not session:
                raise DeliveryError(transport_error("national_login", detail=repr(answer))[:300])
            self._session = session
            return session

    def call(self, service: str, body: dict[str, Any], *, message_id: str = "") -> dict[str, Any]:
        if not self.base_url:
            raise DeliveryError(transport_error("national_unset"))
        session = self._session or self.login()
        headers = {"X-Idempotency-Key": message_id} if message_id else {}
        for _attempt in range(2):
            response = self.http.post(
                f"{self.base_url}/{service}", json=body, headers={**headers, "session": session}
            )
            if response.status_code != 401:
                break
            session = self.login(stale=session)
        answer = json_answer(response)
        if str(answer.get("error_code")) != "0":
            detail = f"{answer.get('error_code')} {answer.get('message', '')}"
            raise DeliveryError(
                transport_error("national_refused", service=service, detail=detail)[:500]
            )
        return answer

    # -- the relay's sender --------------------------------------------------------------------------
    def prepare(self) -> None:
        """Read the mapping tables (on the relay's thread, once per batch)."""
        self.statuses = mapping.status_map()
        self.channels = mapping.channel_map()

    def send(self, *, message_id: str, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        service = SERVICES.get(kind)
        if service is None:
            raise DeliveryError(transport_error("national_kind", kind=kind))
        state = payload.get("state", "")
        status = self.statuses.get(state)
        if status is None:
            raise DeliveryError(transport_error("national_state", state=state))
        data = dict(payload.get("data") or {})
        if service == "DongBoHoSoMC":
            channel = self.channels.get(payload.get("channel", ""))
            if channel is None:
                raise DeliveryError(
                    transport_error("national_channel", channel=payload.get("channel"))
                )
            data.update({"TrangThaiHoSo": status, "HinhThuc": channel})
            body = {
                "service": service,
                "isUpdating": bool(payload.get("isUpdating")),
                "MessageId": message_id,
                "data": [data],
            }
        else:
            data["TrangThai"] = status
            body = {"service": service, "MessageId": message_id, "data": [data]}
        return self.call(service, body, message_id=message_id)

    # -- the national catalogue ----------------------------------------------------------------------
    def catalog(self, service: str, body: dict[str, Any] | None = None) -> Any:
        """``LayDanhSachTTHC`` / ``LayThuTuc`` / ``LayDanhMucCoQuan`` / ``LayDanhMucLinhVuc``: the data."""
        return self.call(service, {"service": service, **(body or {})}).get("data")

    # -- lookup --------------------------------------------------------------------------------------
    def lookup(self, code: str) -> dict[str, Any]:
        """``TraCuuHoSo``: what the national portal holds for the dossier ``code``."""
        return self.call("TraCuuHoSo", {"service": "TraCuuHoSo", "MaHoSo": code})


def national_lookup(*, code: str) -> dict[str, Any]:
    """Ask the national portal what it holds for a dossier (``TraCuuHoSo``). A failure on the way is
    a ``DeliveryError`` in the transport's stored words (``transport.describe``: a timeout, a
    connection refused…), said in the page's language by ``error_words``."""
    try:
        return NationalClient().lookup(code)
    except httpx.HTTPError as exc:
        raise DeliveryError(describe(exc)) from exc


register_sender("national", lambda destination: NationalClient())
