"""A simulator of the National Public Service Portal's one-stop sync service: a real HTTP server that
opens sessions, applies ``DongBoHoSoMC`` / ``CapNhatTienDoHoSoMC`` once per message id (a message
sent twice is answered "already applied" and not applied again), answers ``TraCuuHoSo``, and checks
what the real service checks: a progress update or an update of a dossier it does not know is
refused, dates are ``yyyyMMddHHmmss``, status codes are 1–10 and channels 1–3.

Switches (``opendvc.core.simulators``): down, slow, status, malformed; ``extra``:
``expire_sessions`` (every session is refused once, the client must log in again).
"""

from __future__ import annotations

import json
import re
import secrets
from pathlib import Path
from typing import Any

from opendvc.core.simulators import Request, Response, Simulator, json_response

DATE = re.compile(r"^\d{14}$")
DATE_FIELDS = (
    "NgayTiepNhan",
    "NgayHenTra",
    "NgayTra",
    "ThoiDiemXuLy",
    "NgayBatDau",
    "NgayKetThucTheoQuyDinh",
)
SYNC_REQUIRED = ("MaHoSo", "MaTTHC", "TenTTHC", "ChuHoSo", "TrangThaiHoSo", "HinhThuc", "DonViXuLy")
PROGRESS_REQUIRED = ("MaHoSo", "NguoiXuLy", "ThoiDiemXuLy", "NoiDungXuLy", "TrangThai")


CATALOG_SERVICES = ("LayDanhSachTTHC", "LayThuTuc", "LayDanhMucCoQuan", "LayDanhMucLinhVuc")


def _shipped() -> list[dict[str, Any]]:
    path = Path(__file__).resolve().parents[2] / "catalog" / "data" / "procedures-reference.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    return data["procedures"] if isinstance(data, dict) else data


def _summary(p: dict[str, Any]) -> dict[str, Any]:
    return {
        "MaTTHC": p["national_code"],
        "TenTTHC": p["name"],
        "TenLinhVuc": p.get("field", ""),
        "TenNganh": p.get("sector", ""),
        "CoQuanThucHien": p.get("implementing_agency", ""),
    }


def _error(message: str, status: int = 200) -> Response:
    return json_response({"error_code": "-1", "message": message}, status=status)


class NationalPortalSimulator(Simulator):
    name = "national"

    def __init__(
        self,
        *,
        username: str = "tinh",
        password: str = "mat-khau",  # noqa: S107 - the demo peer's password
        procedures: list[dict[str, Any]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.username = username
        self.password = password
        self.sessions: set[str] = set()
        self.logins = 0
        # message id -> (service, MaHoSo); ``applied`` in the order applied.
        self.seen: dict[str, tuple[str, str]] = {}
        self.applied: list[tuple[str, str, str]] = []
        self.duplicates = 0
        self.dossiers: dict[str, dict[str, Any]] = {}
        self.progress: dict[str, list[dict[str, Any]]] = {}
        # The national catalogue, served from the shipped real procedures (never invented ones).
        self.procedures: dict[str, dict[str, Any]] = {
            p["national_code"]: p for p in (procedures if procedures is not None else _shipped())
        }

    def handle(self, request: Request) -> Response:
        if request.method != "POST":
            return _error("Phương thức không được hỗ trợ", status=405)
        service = request.path.strip("/").rsplit("/", 1)[-1]
        try:
            body = request.json()
        except ValueError:
            return _error("Dữ liệu không phải JSON", status=400)
        if service == "login":
            if not isinstance(body, dict) or (body.get("username"), body.get("password")) != (
                self.username,
                self.password,
            ):
                return _error("Sai tên đăng nhập hoặc mật khẩu", status=401)
            token = secrets.token_hex(16)
            with self.lock:
                self.sessions.add(token)
                self.logins += 1
            return json_response({"error_code": "0", "session": token})
        with self.lock:
            if self.switches.extra.pop("expire_sessions", False):
                self.sessions.clear()
            if request.header("session") not in self.sessions:
                return _error("Phiên làm việc không hợp lệ hoặc đã hết hạn", status=401)
        if not isinstance(body, dict):
            return _error("Dữ liệu không đúng cấu trúc", status=400)
        if service == "TraCuuHoSo":
            with self.lock:
                found = self.dossiers.get(str(body.get("MaHoSo")))
                steps = list(self.progress.get(str(body.get("MaHoSo")), []))
            if found is None:
                return _error("Không tìm thấy hồ sơ")
            return json_response({"error_code": "0", "data": found, "TienDo": steps})
        if service in CATALOG_SERVICES:
            return self.catalog(service, body)
        if service not in ("DongBoHoSoMC", "CapNhatTienDoHoSoMC"):
            return _error(f"Dịch vụ không tồn tại: {service}", status=404)
        message_id = request.header("x-idempotency-key") or str(body.get("MessageId") or "")
        items = body.get("data")
        if (
            not message_id
            or not isinstance(items, list)
            or len(items) != 1
            or not isinstance(items[0], dict)
        ):
            return _error("Thiếu MessageId hoặc data")
        item = items[0]
        required = SYNC_REQUIRED if service == "DongBoHoSoMC" else PROGRESS_REQUIRED
        missing = [name for name in required if item.get(name) in (None, "")]
        if missing:
            return _error(f"Thiếu trường: {', '.join(missing)}")
        bad_dates = [
            name for name in DATE_FIELDS if item.get(name) and not DATE.match(str(item[name]))
        ]
        if bad_dates:
            return _error(f"Sai định dạng ngày (yyyyMMddHHmmss): {', '.join(bad_dates)}")
        status = item.get("TrangThaiHoSo" if service == "DongBoHoSoMC" else "TrangThai")
        if status not in range(1, 11):
            return _error(f"Trạng thái không hợp lệ: {status}")
        if service == "DongBoHoSoMC" and item.get("HinhThuc") not in (1, 2, 3):
            return _error(f"Hình thức không hợp lệ: {item.get('HinhThuc')}")
        code = str(item["MaHoSo"])
        with self.lock:
            if message_id in self.seen:
                self.duplicates += 1
                return json_response(
                    {"error_code": "0", "message": "Đã xử lý trước đó", "duplicate": True}
                )
            if service == "DongBoHoSoMC":
                if body.get("isUpdating") and code not in self.dossiers:
                    return _error(f"Hồ sơ {code} chưa được đồng bộ")
                self.dossiers[code] = item
            else:
                if code not in self.dossiers:
                    return _error(f"Hồ sơ {code} chưa được đồng bộ")
                self.progress.setdefault(code, []).append(item)
            self.seen[message_id] = (service, code)
            self.applied.append((message_id, service, code))
        return json_response({"error_code": "0", "message": "Thành công"})

    def malformed_body(self, request: Request) -> Response:
        return Response(status=200, body=b"<html>Gateway</html>", content_type="text/html")

    # -- the national catalogue ----------------------------------------------------------------------
    def catalog(self, service: str, body: dict[str, Any]) -> Response:
        with self.lock:
            procedures = list(self.procedures.values())
            # ``extra.catalog_data``: every catalogue service answers success with exactly this data.
            if "catalog_data" in self.switches.extra:
                return json_response(
                    {"error_code": "0", "data": self.switches.extra["catalog_data"]}
                )
        if service == "LayDanhSachTTHC":
            return json_response({"error_code": "0", "data": [_summary(p) for p in procedures]})
        if service == "LayThuTuc":
            found = self.procedures.get(str(body.get("MaTTHC") or ""))
            if found is None:
                return _error("Không tìm thấy thủ tục hành chính")
            return json_response({"error_code": "0", "data": {**_summary(found), "ChiTiet": found}})
        if service == "LayDanhMucCoQuan":
            names = sorted({p.get("implementing_agency", "") for p in procedures} - {""})
            return json_response({"error_code": "0", "data": [{"TenCoQuan": n} for n in names]})
        pairs = sorted({(p.get("sector", ""), p.get("field", "")) for p in procedures})
        return json_response(
            {"error_code": "0", "data": [{"TenNganh": s, "TenLinhVuc": f} for s, f in pairs]}
        )
