"""Each PDF the portal issues, read back with pypdf: the letterhead (superior agency, agency, the motto on
one line, the place-and-date line with the issue date in words) and the signature block its form
requires (Circular 01/2018/TT-VPCP forms 01–05; Decree 30/2020/NĐ-CP)."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta

import pytest
import time_machine
from pypdf import PdfReader

from opendvc.dossiers import results, services
from opendvc.dossiers.models import DossierDocument
from opendvc.worktime import VN_TZ

from .conftest import JUSTICE, checked_pdf, staff, submitted_dossier

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=VN_TZ)  # a Tuesday
T1 = datetime(2027, 11, 2, 14, 0, tzinfo=VN_TZ)  # another year, another month

MOTTO = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"


def text_of(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def doc_text(d, kind: str) -> str:
    doc = DossierDocument.objects.filter(dossier=d, kind=kind).latest("pk")
    with doc.file.open("rb") as fh:
        return text_of(fh.read())


def person(role: str, name: str, agency_code: str = JUSTICE):
    user = staff(role, agency_code)
    user.full_name = name
    user.save(update_fields=["full_name"])
    return user


def assert_letterhead(text: str, when: datetime) -> None:
    lines = [re.sub(r"\s+", " ", line).strip() for line in text.splitlines()]
    assert any(MOTTO in line for line in lines), f"motto broken across lines:\n{text[:600]}"
    assert any("Độc lập - Tự do - Hạnh phúc" in line for line in lines)
    assert "ỦY BAN NHÂN DÂN TỈNH ĐỒNG NAI" in text  # the superior agency
    assert "SỞ TƯ PHÁP TỈNH ĐỒNG NAI" in text
    place = f"Đồng Nai, ngày {when:%d} tháng {when:%m} năm {when:%Y}"
    assert any(place in line for line in lines), f"no {place!r} in:\n{text[:800]}"


@pytest.fixture
def people(agencies):
    return {
        "officer": person("receiving_officer", "Phạm Thị Tiếp Nhận"),
        "processor": person("processing_officer", "Đỗ Văn Chuyên"),
        "leader": person("leader", "Lê Văn Phó"),
        "head": person("head", "Trần Thị Giám"),
    }


@pytest.mark.parametrize("when", [T0, T1])
def test_intake_documents(procedure, citizen, people, when):
    officer = people["officer"]
    with time_machine.travel(when, tick=False):
        received = services.dossier_act(
            dossier=submitted_dossier(procedure, citizen), action="receive", actor=officer
        )
        returned = services.dossier_act(
            dossier=submitted_dossier(procedure, citizen),
            action="return_for_completion",
            actor=officer,
            items=["Tờ khai"],
        )
        refused = services.dossier_act(
            dossier=submitted_dossier(procedure, citizen),
            action="refuse",
            actor=officer,
            reason="Không thuộc thẩm quyền",
        )
    receipt = doc_text(received, "receipt")
    assert_letterhead(receipt, when)
    assert "NGƯỜI NỘP HỒ SƠ" in receipt and "NGƯỜI TIẾP NHẬN HỒ SƠ" in receipt
    assert citizen.full_name in receipt and officer.full_name in receipt
    for d, kind in ((returned, "completion_request"), (refused, "refusal")):
        text = doc_text(d, kind)
        assert_letterhead(text, when)
        assert "NGƯỜI TIẾP NHẬN HỒ SƠ" in text and officer.full_name in text
        assert "NGƯỜI NỘP HỒ SƠ" not in text


def test_processing_documents(client, procedure, citizen, people):
    from opendvc.catalog.models import FeeItem

    from .conftest import sign_in

    officer, processor, leader, head = (
        people["officer"],
        people["processor"],
        people["leader"],
        people["head"],
    )
    fee = FeeItem.objects.create(
        procedure=procedure, position=0, name="Phí cấp bản sao", amount_vnd=8000
    )
    with time_machine.travel(T0, tick=False):
        d = services.dossier_act(
            dossier=submitted_dossier(procedure, citizen), action="receive", actor=officer
        )
        d = services.dossier_act(dossier=d, action="start_processing", actor=officer)
        services.dossier_act(action="forward", dossier=d, actor=officer)
        services.dossier_act(action="claim", dossier=d, actor=processor)
        d = services.dossier_act(
            dossier=d, action="request_supplement", actor=processor, items=["Bản sao trích lục"]
        )
        d = results.dossier_supply(dossier=d, actor=citizen, files=[(None, checked_pdf("trich-luc.pdf"))])
        d = services.dossier_act(
            dossier=d,
            action="require_payment",
            actor=processor,
            fees=[{"fee_item": fee.pk, "quantity": 3}],
        )
        d = services.dossier_act(
            dossier=d, action="pay", actor=officer, receipt_number="BL-7"
        )
    later = T0 + timedelta(days=1)
    with time_machine.travel(later, tick=False):
        d = services.dossier_act(action="apology", dossier=d, actor=leader, reason="Chờ xác minh")
        d = services.dossier_act(
            dossier=d, action="approve", actor=leader, result="Bản sao trích lục"
        )
        d = services.dossier_act(
            dossier=d,
            action="return_result",
            actor=officer,
            method="counter",
            recipient="Nguyễn Văn Bình",
        )

    notice = doc_text(d, "supplement_notice")
    assert_letterhead(notice, T0)
    assert "CÁN BỘ XỬ LÝ HỒ SƠ" in notice and processor.full_name in notice
    assert "NGƯỜI TIẾP NHẬN HỒ SƠ" not in notice

    receipt = doc_text(d, "payment_receipt")
    assert "24.000 đồng" in receipt and "8.000 đồng" in receipt
    assert (
        "NGƯỜI NỘP TIỀN" in receipt and "NGƯỜI THU TIỀN" in receipt and officer.full_name in receipt
    )

    apology = doc_text(d, "apology")
    assert_letterhead(apology, later)
    assert "THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ" in apology and head.full_name in apology
    assert "NGƯỜI TIẾP NHẬN HỒ SƠ" not in apology and "NGƯỜI NỘP HỒ SƠ" not in apology

    result = doc_text(d, "result")
    assert_letterhead(result, later)
    assert "KT. GIÁM ĐỐC" in result and "PHÓ GIÁM ĐỐC" in result and leader.full_name in result
    assert "NGƯỜI NỘP HỒ SƠ" not in result and "NGƯỜI TIẾP NHẬN HỒ SƠ" not in result

    record = doc_text(d, "delivery_record")
    assert (
        "NGƯỜI NHẬN KẾT QUẢ" in record
        and "Nguyễn Văn Bình" in record
        and officer.full_name in record
    )

    # The control sheet (form 05): names each hand-over, no closing signature of applicant or officer.
    with time_machine.travel(later, tick=False):
        sign_in(client, officer)
        r = client.get(f"/can-bo/xu-ly/{d.code}/phieu-kiem-soat.pdf")
    assert r.status_code == 200, r
    sheet = text_of(r.content)
    assert_letterhead(sheet, later)
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in sheet
    flat = " ".join(sheet.split())  # names wrap inside the narrow table cells
    assert officer.full_name in flat and leader.full_name in flat  # who handed each step over
    assert "NGƯỜI NỘP HỒ SƠ" not in sheet and "NGƯỜI TIẾP NHẬN HỒ SƠ" not in sheet


def test_head_signs_with_the_heads_title_and_stops(procedure, citizen, people):
    officer, head = people["officer"], people["head"]
    # The head also holds the approving role.
    from opendvc.agencies.models import Agency, StaffRole

    StaffRole.objects.create(user=head, agency=Agency.objects.get(code=JUSTICE), role="leader")
    with time_machine.travel(T1, tick=False):
        d = services.dossier_act(
            dossier=submitted_dossier(procedure, citizen), action="receive", actor=officer
        )
        d = services.dossier_act(dossier=d, action="start_processing", actor=officer)
        stopped = services.dossier_act(
            dossier=d, action="stop", actor=head, reason="Không đủ điều kiện"
        )
    text = doc_text(stopped, "stop_notice")
    assert_letterhead(text, T1)
    lines = [line.strip() for line in text.splitlines()]
    assert "GIÁM ĐỐC" in lines and "KT. GIÁM ĐỐC" not in text and head.full_name in text


def test_commune_people_committee_signs_on_behalf_of_the_committee(agencies, citizen):
    from opendvc.agencies.models import Agency
    from opendvc.dossiers.documents import leader_signer, place_and_date

    commune = Agency.objects.filter(name__startswith="Ủy ban nhân dân phường").first()
    deputy = person("leader", "Võ Văn Phó Chủ Tịch", commune.code)
    signer = leader_signer(agency=commune, user=deputy, name=deputy.full_name)
    assert signer.titles == ("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH")
    chair = person("head", "Hà Thị Chủ Tịch", commune.code)
    assert leader_signer(agency=commune, user=chair, name="").titles == (
        "TM. ỦY BAN NHÂN DÂN",
        "CHỦ TỊCH",
    )
    assert (
        place_and_date(datetime(2027, 2, 5, 23, 30, tzinfo=VN_TZ))
        == "Đồng Nai, ngày 05 tháng 02 năm 2027"
    )


def test_the_receipts_qr_code_is_a_sharp_image_of_the_lookup_link():
    """The receipt's QR code: a PNG of one pixel per module (a quiet zone of 2) drawn without
    smoothing, the same modules as the symbol of the lookup link."""
    import base64

    import segno
    from PIL import Image

    from opendvc.dossiers import documents

    url = "https://dichvucong.example/tra-cuu/?ma=000.00.32.H19-260310-0001&khoa=ABCD1234"
    uri = documents.qr_data_uri(url)
    assert uri.startswith("data:image/png;base64,")
    image = Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))).convert("L")
    symbol = segno.make_qr(url, error="m", boost_error=False, mask=documents.QR_MASK)
    n = symbol.symbol_size(border=0)[0]
    assert image.size == (n + 4, n + 4)
    dark = [[image.getpixel((x + 2, y + 2)) < 128 for x in range(n)] for y in range(n)]
    assert dark == [[bool(m) for m in row] for row in symbol.matrix]
    from django.template.loader import get_template

    assert "image-rendering: pixelated" in get_template("dossiers/pdf/base.html").template.source
