"""Benchmark of e-form validation and rendering (Issue 6 performance targets).

Form: a synthetic definition with 60 fields in 6 sections — 43 top-level fields of every kind
(text, dates, money, choices, phone, CCCD, tax code, addresses…) and two repeatable groups of 7 and 7
sub-fields, filled with 5 rows each (so one validation checks 43 + 2 × 5 × 7 = 113 values).
The definition is checked by ``check_definition`` first, like a shipped one.

Figures:
* validations per second of a complete valid payload through the cached compiled validator
  (``compiled_for``, as ``form_validate`` uses it), single thread (target ≥ 1,000/s);
* the same for a payload with 12 errors (error paths are built too);
* median and p95 time to render that form filled, as the fill page does (target ≤ 30 ms).

No database is needed (the compiled form is keyed by version id and hash).
Run: ``.venv/bin/python bench/bench_eforms.py``. ``run()`` returns (metric, measured, target) rows.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
ROWS_PER_GROUP = 5


def _setup() -> None:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opendvc.settings.development")
    import django

    django.setup()


def definition() -> dict:
    gender = [{"value": "male", "label": "Nam"}, {"value": "female", "label": "Nữ"}]
    grades = [{"value": f"g{i}", "label": f"Loại {i}"} for i in range(8)]

    def person(prefix: str) -> list[dict]:
        return [
            {
                "key": f"{prefix}_name",
                "kind": "text",
                "label": "Họ, chữ đệm, tên",
                "required": True,
                "max_length": 100,
            },
            {
                "key": f"{prefix}_birth",
                "kind": "date",
                "label": "Ngày sinh",
                "required": True,
                "not_future": True,
            },
            {
                "key": f"{prefix}_gender",
                "kind": "choice",
                "label": "Giới tính",
                "choices": gender,
                "required": True,
            },
            {"key": f"{prefix}_ethnicity", "kind": "text", "label": "Dân tộc", "max_length": 50},
            {
                "key": f"{prefix}_nationality",
                "kind": "text",
                "label": "Quốc tịch",
                "max_length": 50,
            },
            {
                "key": f"{prefix}_id",
                "kind": "cccd",
                "label": "Số định danh cá nhân",
                "required": True,
            },
            {"key": f"{prefix}_phone", "kind": "phone", "label": "Điện thoại"},
            {"key": f"{prefix}_email", "kind": "email", "label": "Thư điện tử"},
            {
                "key": f"{prefix}_address",
                "kind": "address",
                "label": "Nơi cư trú",
                "required": True,
            },
        ]

    business = [
        {"key": "agency", "kind": "text", "label": "Kính gửi", "required": True},
        {"key": "business_name", "kind": "text", "label": "Tên hộ kinh doanh", "required": True},
        {"key": "tax_code", "kind": "tax_code", "label": "Mã số thuế"},
        {"key": "lines", "kind": "textarea", "label": "Ngành, nghề", "required": True},
        {"key": "capital", "kind": "money", "label": "Vốn", "required": True},
        {"key": "employees", "kind": "number", "label": "Số lao động", "min": 0, "max": 10000},
        {
            "key": "grade",
            "kind": "choice",
            "label": "Phân loại",
            "choices": grades,
            "required": True,
        },
        {"key": "channels", "kind": "multichoice", "label": "Kênh bán", "choices": grades},
        {"key": "has_branch", "kind": "checkbox", "label": "Có địa điểm kinh doanh khác"},
        {
            "key": "branch_address",
            "kind": "address",
            "label": "Địa điểm khác",
            "show_if": {"field": "has_branch", "in": [True]},
        },
        {"key": "start_date", "kind": "date", "label": "Ngày bắt đầu", "required": True},
        {"key": "area", "kind": "number", "label": "Diện tích (m²)", "min": 1, "max": 100000},
        {"key": "note", "kind": "textarea", "label": "Ghi chú"},
    ]
    extra = [
        {"key": f"info_{i}", "kind": "text", "label": f"Thông tin {i}", "max_length": 200}
        for i in range(3)
    ]
    member = [
        {"key": "name", "kind": "text", "label": "Họ tên", "required": True, "max_length": 100},
        {
            "key": "birth",
            "kind": "date",
            "label": "Ngày sinh",
            "required": True,
            "not_future": True,
        },
        {
            "key": "gender",
            "kind": "choice",
            "label": "Giới tính",
            "choices": gender,
            "required": True,
        },
        {"key": "id", "kind": "cccd", "label": "Số định danh"},
        {"key": "relation", "kind": "text", "label": "Quan hệ", "required": True},
        {"key": "phone", "kind": "phone", "label": "Điện thoại"},
        {"key": "share", "kind": "money", "label": "Phần vốn góp"},
    ]
    history = [
        {"key": "from_date", "kind": "date", "label": "Từ ngày", "required": True},
        {"key": "to_date", "kind": "date", "label": "Đến ngày"},
        {"key": "place", "kind": "text", "label": "Nơi cư trú", "required": True},
        {"key": "job", "kind": "text", "label": "Nghề nghiệp"},
        {"key": "employer", "kind": "text", "label": "Nơi làm việc"},
        {"key": "kind", "kind": "choice", "label": "Loại", "choices": grades},
        {"key": "proof", "kind": "file", "label": "Giấy tờ", "component": "Giấy tờ chứng minh"},
    ]
    sections = [
        {"key": "owner", "title": "Chủ hộ", "fields": person("owner")},
        {"key": "spouse", "title": "Vợ/chồng", "fields": person("spouse")},
        {"key": "contact", "title": "Người liên hệ", "fields": person("contact")},
        {"key": "business", "title": "Hộ kinh doanh", "fields": business},
        {
            "key": "other",
            "title": "Khác",
            "fields": extra
            + [
                {
                    "key": "members",
                    "kind": "group",
                    "label": "Thành viên",
                    "max_items": 20,
                    "fields": member,
                },
                {
                    "key": "history",
                    "kind": "group",
                    "label": "Quá trình cư trú",
                    "max_items": 20,
                    "fields": history,
                },
            ],
        },
        {
            "key": "commitment",
            "title": "Cam kết",
            "fields": [
                {
                    "key": "declaration",
                    "kind": "declaration",
                    "label": "Tôi cam kết nội dung trên là đúng.",
                }
            ],
        },
    ]
    return {"title": "Biểu mẫu đo hiệu năng (60 trường)", "sections": sections}


def payload() -> dict:
    address = {"province": 75, "ward": 25195, "street": "12 Võ Thị Sáu"}

    def person(prefix: str, cccd: str) -> dict:
        return {
            f"{prefix}_name": "Nguyễn Văn An",
            f"{prefix}_birth": "05/09/1990",
            f"{prefix}_gender": "male",
            f"{prefix}_ethnicity": "Kinh",
            f"{prefix}_nationality": "Việt Nam",
            f"{prefix}_id": cccd,
            f"{prefix}_phone": "0912 345 678",
            f"{prefix}_email": "an@example.vn",
            f"{prefix}_address": address,
        }

    data = {
        **person("owner", "075090000123"),
        **person("spouse", "075190000124"),
        **person("contact", "075090000125"),
        "agency": "UBND phường Bình Phước",
        "business_name": "Quán Cơm An",
        "tax_code": "0312345678",
        "lines": "Dịch vụ ăn uống",
        "capital": "150.000.000",
        "employees": "4",
        "grade": "g3",
        "channels": ["g1", "g2"],
        "has_branch": True,
        "branch_address": address,
        "start_date": "2026-01-15",
        "area": 45,
        "note": "Không",
        "declaration": True,
        **{f"info_{i}": f"Giá trị {i}" for i in range(3)},
    }
    data["members"] = [
        {
            "name": f"Thành viên {i}",
            "birth": "01/02/2001",
            "gender": "female",
            "id": "075301000111",
            "relation": "Con",
            "phone": "0987654321",
            "share": 10_000_000,
        }
        for i in range(ROWS_PER_GROUP)
    ]
    data["history"] = [
        {
            "from_date": "01/01/2010",
            "to_date": "31/12/2015",
            "place": "Đồng Nai",
            "job": "Buôn bán",
            "employer": "Tự do",
            "kind": "g1",
            "proof": ["upl_1"],
        }
        for _ in range(ROWS_PER_GROUP)
    ]
    return data


def _rate(fn, seconds: float = 2.0) -> float:
    fn()
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(50):
            fn()
        count += 50
    return count / (time.perf_counter() - start)


def run() -> list[tuple[str, str, str]]:
    _setup()
    from opendvc.eforms.engine import check_definition, compiled_for, count_fields
    from opendvc.eforms.render import render_fields

    form = definition()
    assert check_definition(form) == [], check_definition(form)
    assert count_fields(form) == 60, count_fields(form)
    version = SimpleNamespace(pk=-1, content_hash="bench", definition=form)
    good = payload()
    cleaned, errors = compiled_for(version).validate(good)
    assert errors == [], errors
    bad = dict(
        good,
        owner_birth="31/02/1990",
        capital="nhiều",
        grade="x",
        unknown=1,
        members=[dict(m, birth="99/99/2000", phone="1") for m in good["members"]],
    )
    _c, bad_errors = compiled_for(version).validate(bad)

    valid_rate = _rate(lambda: compiled_for(version).validate(good))
    invalid_rate = _rate(lambda: compiled_for(version).validate(bad))

    render_fields(form, cleaned, None)
    times = []
    for _ in range(200):
        start = time.perf_counter()
        render_fields(form, cleaned, bad_errors)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return [
        (
            "eforms: validations/s, 60 fields + 2 groups × 5 rows, valid",
            f"{valid_rate:,.0f}/s",
            "≥ 1,000/s",
        ),
        (
            f"eforms: validations/s, same form with {len(bad_errors)} errors",
            f"{invalid_rate:,.0f}/s",
            "≥ 1,000/s",
        ),
        (
            "eforms: render that form filled, median",
            f"{statistics.median(times):.2f} ms",
            "≤ 30 ms",
        ),
        (
            "eforms: render that form filled, p95",
            f"{times[int(len(times) * 0.95)]:.2f} ms",
            "≤ 30 ms",
        ),
    ]


if __name__ == "__main__":
    for metric, value, target in run():
        print(f"{metric:<62} {value:>14}   target {target}")
