"""The two linked procedures, built from the real procedures of the catalog data.

* Birth + permanent residence + health insurance card for a child under 6: the catalog holds the
  linked procedure itself (2.000986, Ministry of Justice), whose record gives the total (20 working
  days), the order (the commune registers the birth the same day, then hands the file to the police
  and to social insurance) and each agency's time (residence within 15 days, the card within 10).
  Members: 1.001193 (birth registration) and 1.004222 (permanent residence registration). The
  catalog data has no separate procedure for the health insurance card: that part is taken from the
  linked record 2.000986 itself, never invented.
* Death + removal from permanent residence + funeral allowance: members 1.000656 (death
  registration) and 1.003197 (removal from permanent residence). The catalog data holds neither the
  linked procedure itself nor a funeral allowance procedure (social insurance / labour): that member
  is listed as missing and no part is created for it; the bundle's total time is not confirmed.

Hand-off times and the one-stop office's time to return the results are the province's split of the
statutory total (configurable here, as data).
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from opendvc.catalog.models import Procedure

from .models import LinkedMember, LinkedProcedure

BIRTH = "khai-sinh-thuong-tru-bhyt"
DEATH = "khai-tu-xoa-thuong-tru-mai-tang"

BUNDLES = [
    {
        "key": BIRTH,
        "procedure": "2.000986",
        "name": None,  # the catalog record's name
        "total_amount": 20,
        "total_basis": 'Thủ tục 2.000986: "tối đa không quá 20 ngày làm việc, kể từ ngày nộp đủ hồ sơ theo quy định".',
        "return_amount": 3,
        "completion_rule": "continue",
        "legal_basis": "Nghị định 61/2018/NĐ-CP Điều 4; Thông tư liên tịch 05/2015/TTLT-BTP-BCA-BYT; thủ tục 2.000986.",
        "missing": [],
        "members": [
            {
                "key": "khai-sinh",
                "procedure": "1.001193",
                "agency": None,
                "agency_label": "Ủy ban nhân dân cấp xã (công chức Tư pháp – hộ tịch)",
                "allotment": 1,
                "basis": 'Thủ tục 2.000986, bước 3: "đăng ký khai sinh cho trẻ em ngay trong ngày '
                'tiếp nhận hồ sơ".',
                "after": [],
                "handoff": 0,
                "form_key": "dang-ky-khai-sinh",
                "result_name": "Giấy khai sinh",
            },
            {
                "key": "thuong-tru",
                "procedure": "1.004222",
                "agency": "police",
                "agency_label": "Cơ quan Công an có thẩm quyền đăng ký thường trú",
                "allotment": 15,
                "basis": 'Thủ tục 2.000986, bước 5: "thực hiện đăng ký thường trú (trong thời hạn '
                '15 ngày)".',
                "after": ["khai-sinh"],
                "handoff": 1,
                "form_key": "to-khai-thay-doi-thong-tin-cu-tru",
                "result_name": "Thông báo kết quả giải quyết thủ tục về cư trú",
            },
            {
                "key": "bhyt",
                "procedure": None,
                "agency": "social_insurance",
                "agency_label": "Cơ quan Bảo hiểm xã hội",
                "source": "Dữ liệu thủ tục không có thủ tục cấp thẻ bảo hiểm y tế riêng; phần này theo bản ghi thủ "
                'tục liên thông 2.000986 (thành phần "Tờ khai tham gia bảo hiểm y tế…", bước 5).',
                "allotment": 10,
                "basis": 'Thủ tục 2.000986, bước 5: "cấp Thẻ bảo hiểm y tế cho trẻ em (trong thời '
                'hạn 10 ngày)".',
                "after": ["khai-sinh"],
                "handoff": 1,
                "form_key": "",
                "result_name": "Thẻ bảo hiểm y tế",
            },
        ],
    },
    {
        "key": DEATH,
        "procedure": None,
        "name": "Liên thông đăng ký khai tử, xóa đăng ký thường trú, trợ cấp mai táng",
        "total_amount": None,
        "total_basis": "Dữ liệu thủ tục không có bản ghi của thủ tục liên thông này; tổng thời hạn chưa xác minh "
        "(hẹn trả theo thủ tục đăng ký khai tử, từng cơ quan theo thời hạn của thủ tục thành phần).",
        "return_amount": 0,
        "completion_rule": "continue",
        "legal_basis": "Nghị định 61/2018/NĐ-CP Điều 4.",
        "missing": [
            {
                "name": "Trợ cấp mai táng",
                "note": "Dữ liệu thủ tục không có thủ tục trợ cấp mai táng; chưa tạo phần này.",
            }
        ],
        "members": [
            {
                "key": "khai-tu",
                "procedure": "1.000656",
                "agency": None,
                "agency_label": "Ủy ban nhân dân cấp xã (công chức Tư pháp – hộ tịch)",
                "allotment": 1,
                "basis": "Thủ tục 1.000656: trả kết quả trong ngày; tiếp nhận sau 15 giờ thì trả "
                "trong ngày làm việc tiếp theo.",
                "after": [],
                "handoff": 0,
                "form_key": "dang-ky-khai-tu",
                "result_name": "Trích lục khai tử",
            },
            {
                "key": "xoa-thuong-tru",
                "procedure": "1.003197",
                "agency": "police",
                "agency_label": "Cơ quan Công an có thẩm quyền đăng ký cư trú",
                "allotment": 5,
                "basis": "Thủ tục 1.003197: 5 ngày làm việc.",
                "after": ["khai-tu"],
                "handoff": 1,
                "form_key": "to-khai-thay-doi-thong-tin-cu-tru",
                "result_name": "Thông báo kết quả giải quyết thủ tục về cư trú",
            },
        ],
    },
]


def critical_path(bundle: LinkedProcedure) -> Decimal:
    """Working days of the longest chain of hand-offs and allotments, plus the return time."""
    members = {m.key: m for m in bundle.members.all()}
    memo: dict[str, Decimal] = {}

    def finish(key: str) -> Decimal:
        if key not in memo:
            m = members[key]
            start = max((finish(k) for k in m.after if k in members), default=Decimal(0))
            memo[key] = start + m.handoff_amount + m.allotment_amount
        return memo[key]

    return max((finish(k) for k in members), default=Decimal(0)) + bundle.return_amount


def bundles_seed() -> list[LinkedProcedure]:
    """Create or update the two bundles. Each member names the role of the office that takes its part
    ("police", "social_insurance", or the receiving commune itself); the office for each receiving
    commune is data (``MemberAgency``, see ``demo.member_agencies``). Members whose procedure is not in the
    catalog are skipped unless the bundle names them as taken from its own record. Idempotent."""
    out = []
    with transaction.atomic():
        for spec in BUNDLES:
            procedure = (
                Procedure.objects.filter(code=spec["procedure"]).first()
                if spec["procedure"]
                else None
            )
            if spec["procedure"] and procedure is None:
                continue
            bundle, _ = LinkedProcedure.objects.update_or_create(
                key=spec["key"],
                defaults={
                    "name": spec["name"] or procedure.name,
                    "procedure": procedure,
                    "total_amount": spec["total_amount"],
                    "total_basis": spec["total_basis"],
                    "return_amount": spec["return_amount"],
                    "completion_rule": spec["completion_rule"],
                    "missing_members": spec["missing"],
                    "legal_basis": spec["legal_basis"],
                    "form_key": f"lien-thong-{spec['key']}"[:80],
                },
            )
            for position, m in enumerate(spec["members"]):
                member_procedure = (
                    Procedure.objects.filter(code=m["procedure"]).first()
                    if m["procedure"]
                    else None
                )
                if m["procedure"] and member_procedure is None:
                    continue
                LinkedMember.objects.update_or_create(
                    bundle=bundle,
                    key=m["key"],
                    defaults={
                        "position": position,
                        "name": member_procedure.name if member_procedure else m["result_name"],
                        "procedure": member_procedure,
                        "source_note": m.get("source", ""),
                        # Which office takes the part depends on the receiving commune
                        # (``MemberAgency``), never fixed per bundle.
                        "agency_role": m["agency"] or "",
                        "agency": None,
                        "agency_label": m["agency_label"],
                        "allotment_amount": m["allotment"],
                        "allotment_basis": m["basis"],
                        "after": m["after"],
                        "handoff_amount": m["handoff"],
                        "form_key": m["form_key"],
                        "result_name": m["result_name"],
                    },
                )
            out.append(bundle)
    return out


def combined_form_publish(*, bundle: LinkedProcedure):
    """Save and publish the bundle's combined e-form (``forms.combined_form``); assigned to the linked
    procedure when the catalog holds it. Idempotent (an unchanged form publishes no new version)."""
    from opendvc.eforms.services import definition_publish, definition_save

    from .forms import combined_form

    definition, _mapping = combined_form(bundle=bundle)
    if not definition["sections"]:
        return None
    form = definition_save(key=bundle.form_key, definition=definition, actor=None)
    return definition_publish(form=form, actor=None)
