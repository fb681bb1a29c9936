"""A simulator of nguoidan.chinhphu.vn / doanhnghiep.chinhphu.vn: serves the items added with
``add_item`` at ``GET /pakn`` (the ``duplicate`` switch lists each twice, ``reorder`` newest first) and
takes answers at ``POST /traloi``, once per message id."""

from __future__ import annotations

from typing import Any

from opendvc.core.simulators import Request, Response, Simulator, json_response


class GovFeedbackSimulator(Simulator):
    name = "govfeedback"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.items: list[dict[str, Any]] = []
        self.answers: dict[str, dict[str, Any]] = {}
        self.duplicates = 0

    def add_item(self, **fields: Any) -> dict[str, Any]:
        with self.lock:
            self.items.append(fields)
        return fields

    def handle(self, request: Request) -> Response:
        if request.method == "GET" and request.path.rstrip("/").endswith("/pakn"):
            with self.lock:
                items = list(self.items)
                if self.switches.reorder:
                    items.reverse()
                if self.switches.duplicate:
                    items = items + items
            return json_response({"error_code": "0", "data": items})
        if request.method == "POST" and request.path.rstrip("/").endswith("/traloi"):
            body = request.json()
            message_id = request.header("x-idempotency-key") or ""
            if not message_id or not isinstance(body, dict) or not body.get("MaPAKN"):
                return json_response(
                    {"error_code": "-1", "message": "Thiếu MessageId hoặc MaPAKN"}, status=400
                )
            with self.lock:
                if message_id in self.answers:
                    self.duplicates += 1
                    return json_response({"error_code": "0", "duplicate": True})
                self.answers[message_id] = body
            return json_response({"error_code": "0", "message": "Đã nhận trả lời"})
        return json_response({"error_code": "-1", "message": "Không có dịch vụ này"}, status=404)
