"""The government feedback systems, nguoidan.chinhphu.vn (citizens) and doanhnghiep.chinhphu.vn
(businesses): two channels of Regulation Art. 7.2, each polled for new items and answered through
the outbox.

- Poll: ``GET <url>/pakn?tu_ngay=<yyyyMMddHHmmss>`` → ``{"data": [...]}`` with the fields of the
  feedback app's import (``MaPAKN``, ``TieuDe``, ``NoiDung``, ``HoTen``…). Items become feedback with
  the system's own channel through ``feedback.portal_import.import_records``, deduplicated by the
  system's id (``external_id`` ``dvcqg:<system>:<MaPAKN>``): polling twice creates nothing twice.
- Answer: when an item that came from a system is answered, a message to ``govfeedback:<system>``
  is written in the answer's transaction; the relay posts it to ``<url>/traloi`` with its message id.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from opendvc.feedback.models import Channel

from ..national.messages import national_date
from ..outbox import outbox_enqueue
from ..transport import (
    DeliveryError,
    http_client,
    json_answer,
    register_sender,
    transport_error,
)

SYSTEMS = {"nguoidan": Channel.CITIZEN_PORTAL, "doanhnghiep": Channel.BUSINESS_PORTAL}
SENDER_TYPE = {"nguoidan": "1", "doanhnghiep": "2"}
KIND = "govfeedback.TraLoiPAKN"


def system_url(system: str) -> str:
    return {
        "nguoidan": settings.GOVFEEDBACK_NGUOIDAN_URL,
        "doanhnghiep": settings.GOVFEEDBACK_DOANHNGHIEP_URL,
    }.get(system, "").rstrip("/")


def external_prefix(system: str) -> str:
    return f"dvcqg:{system}:"


def govfeedback_poll(*, system: str, days: int | None = None) -> dict[str, Any]:
    """Fetch the items of the last ``days`` days from ``system`` and create those not yet here.
    Returns the import's counts; a transport error is raised as ``DeliveryError`` (the next poll
    fetches the same window again, so nothing is missed)."""
    from opendvc.feedback.portal_import import import_records

    if system not in SYSTEMS:
        raise ValueError(system)
    url = system_url(system)
    if not url:
        return {"created": 0, "unchanged": 0, "errors": [], "skipped": "not configured"}
    since = timezone.now() - timedelta(days=days or settings.GOVFEEDBACK_POLL_DAYS)
    with http_client() as http:
        try:
            answer = json_answer(http.get(f"{url}/pakn", params={"tu_ngay": national_date(since)}))
        except DeliveryError:
            raise
        except Exception as exc:  # noqa: BLE001 - transport errors reported as one kind
            from ..transport import describe

            raise DeliveryError(describe(exc)) from exc
    items = answer.get("data")
    if not isinstance(items, list):
        raise DeliveryError(transport_error("govfeedback_no_data", system=system))
    records = []
    for item in items:
        if isinstance(item, dict) and item.get("MaPAKN"):
            # The system's own id, prefixed so the two systems' ids never meet; its own channel.
            records.append(
                {
                    **item,
                    "MaPAKN": f"{system}:{item['MaPAKN']}",
                    "LoaiDoiTuong": SENDER_TYPE[system],
                }
            )
    report = import_records(records)
    return {"created": report.created, "unchanged": report.unchanged, "errors": report.errors}


def govfeedback_answer_messages(*, feedback) -> list:
    """Inside the answer's transaction: the answer to the system the item came from, if any."""
    external = feedback.external_id or ""
    for system in SYSTEMS:
        prefix = external_prefix(system)
        if external.startswith(prefix) and system_url(system):
            payload = {
                "MaPAKN": external[len(prefix) :],
                "NoiDungTraLoi": feedback.answer,
                "NgayTraLoi": national_date(feedback.answered_at or timezone.now()),
                "CoQuanTraLoi": feedback.agency.code if feedback.agency_id else "",
                "TenCoQuanTraLoi": feedback.agency.name if feedback.agency_id else "",
            }
            return [
                outbox_enqueue(
                    kind=KIND,
                    payload=payload,
                    destinations=[f"govfeedback:{system}"],
                    ordering_key=f"feedback:{feedback.pk}",
                )
            ]
    return []


class GovFeedbackClient:
    def __init__(self, destination: str) -> None:
        self.system = destination.split(":", 1)[1] if ":" in destination else ""
        self.http = http_client()

    def send(self, *, message_id: str, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        url = system_url(self.system)
        if not url:
            raise DeliveryError(transport_error("govfeedback_unset", system=self.system))
        answer = json_answer(
            self.http.post(
                f"{url}/traloi",
                json={**payload, "MessageId": message_id},
                headers={"X-Idempotency-Key": message_id},
            )
        )
        if str(answer.get("error_code")) != "0":
            raise DeliveryError(
                transport_error("govfeedback_refused", system=self.system, detail=repr(answer))[
                    :500
                ]
            )
        return answer


register_sender("govfeedback", GovFeedbackClient)
