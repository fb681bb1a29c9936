"""Masking personal data before a question and answer is published (Regulation Art. 4.4, 13.3).

The corpus in ``data/masking_corpus.json`` holds realistic sentences with the exact expected text:
identifiers, phones, emails, birth dates, addresses, relatives' names, bank accounts and tax codes
are masked; amounts, law citations, dossier and procedure codes and place names are kept. Entries
with ``known`` carry the values the record itself holds (masked in any case, with or without
diacritics)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from django.urls import reverse

from opendvc.accounts.tests.factories import MembershipFactory, ProfileFactory
from opendvc.feedback.lifecycle import Action
from opendvc.feedback.masking import (
    MASK,
    KnownValues,
    find_personal_data,
    highlight_masking,
    mask_personal_data,
)
from opendvc.feedback.models import PublishedAnswer
from opendvc.feedback.services import feedback_act, feedback_publish, publish_known_values

CORPUS = json.loads(
    (Path(__file__).parent / "data" / "masking_corpus.json").read_text(encoding="utf-8")
)


def _known(raw: dict | None) -> KnownValues | None:
    if raw is None:
        return None
    return KnownValues(**{**raw, "dates": [dt.date.fromisoformat(d) for d in raw.get("dates", [])]})


def test_corpus_is_large_and_covers_both_directions():
    assert len(CORPUS) >= 60
    assert sum(MASK in row["expected"] for row in CORPUS) >= 45
    assert sum(row["text"] == row["expected"] for row in CORPUS) >= 8  # kept as written


@pytest.mark.parametrize("row", CORPUS, ids=[row["text"][:40] for row in CORPUS])
def test_corpus(row):
    assert mask_personal_data(row["text"], known=_known(row.get("known"))) == row["expected"]


@pytest.mark.parametrize(
    "written",
    [
        "075 090 001 234",
        "075.090.001.234",
        "075-090-001-234",
        "075090001234",  # CCCD
        "271 234 567",
        "271234567",  # CMND
        "(091) 2000001",
        "+84 91 200 0001",
        "+84912000001",
        "84 912 000 001",
        "0912.000.001",
        "(+84) 912-000-001",
        "0251 3822 123",
        "02513 822 123",  # landline
        "0312345678-001",
        "8012345678",  # tax codes
        "1903 5555 0000 12",
        "0071000123456",  # bank accounts
        "C1234567",
        "B7654321",  # passports
        "an.nguyen@gmail.com",
        "an.nguyen [at] gmail.com",
        "an(at)gmail(dot)com",
        "an.nguyen [at] gmail [dot] com.vn",
    ],
)
def test_every_written_form_disappears_whole(written):
    for sentence in (f"Liên hệ {written}.", f"{written} là của tôi", f"Số: {written}, cảm ơn"):
        masked = mask_personal_data(sentence)
        assert MASK in masked
        assert not any(ch.isdigit() for ch in masked), masked
        assert "gmail" not in masked


@pytest.mark.parametrize(
    "kept",
    [
        "Lệ phí 8.000 đồng.",
        "Vốn 150.000.000.000 đồng.",
        "Nghị định 61/2018/NĐ-CP ngày 23/4/2018.",
        "Hồ sơ 000.00.25.H19-261201-0001.",
        "Thủ tục 2.000986.",
        "Tổng đài 0251.1022 và 1022.",
        "Bà Rịa - Vũng Tàu",
        "Đường Hai Bà Trưng",
        "Nộp ngày 15/11/2026 lúc 9 giờ.",
        "Phường 3, khu phố 4.",
    ],
)
def test_public_facts_are_kept(kept):
    assert mask_personal_data(kept) == kept


def test_record_values_in_other_case_and_without_diacritics():
    known = KnownValues(
        names=["Lê Thị Thanh Hương"],
        addresses=["Ấp Bình Lục, xã Tân Bình"],
        phones=["0918111222"],
        emails=["huong.le@vnpt.vn"],
        identifiers=["079301004455"],
        dates=[dt.date(1990, 1, 9)],
    )
    text = (
        "LE THI THANH HUONG (le thi thanh huong), Thanh Hương, ấp bình lục, 0918 111 222, +84 918111222,"
        " HUONG.LE@VNPT.VN, 079 301 004 455, 09/01/1990, 9-1-1990, ngày 9 tháng 1 năm 1990"
    )
    masked = mask_personal_data(text, known=known)
    assert {part.strip() for part in masked.split(",")} == {MASK, f"{MASK} ({MASK})"}


def test_highlight_shows_each_change_escaped():
    html = highlight_masking("<b>Tôi là Nguyễn Văn An</b>, ĐT 0912345678")
    assert html.count("<mark") == 2 and "&lt;b&gt;" in html
    assert "<del>Nguyễn Văn An</del> <ins>***</ins>" in html and "<del>0912345678</del>" in html
    assert [f.kind for f in find_personal_data("Tôi là Nguyễn Văn An, ĐT 0912345678")] == [
        "name",
        "phone",
    ]


@pytest.mark.django_db
def test_publish_masks_what_the_account_holds(client, org, make_item, monday):
    citizen = org["citizen"]
    citizen.phone = "0977000111"
    citizen.save()
    profile = ProfileFactory(
        user=citizen, date_of_birth=dt.date(1985, 7, 4), permanent_street="88 Lê Duẩn"
    )
    profile.cccd = "075085009999"
    profile.save()
    MembershipFactory(user=citizen, organisation__tax_code="3602123456")
    fb = make_item(
        consent_publish=True,
        sender_address="Tổ 7, ấp Hưng Long",
        content="pham van dan, sinh 04/07/1985, nhà 88 le duan, số 0977-000-111, CCCD 075.085.009.999, "
        f"email {citizen.email.upper()}, MST công ty 3602123456, liên hệ tại ấp hưng long.",
    )
    assert set(publish_known_values(fb).identifiers) == {"075085009999", "3602123456"}
    fb = feedback_act(
        feedback=fb, action=Action.FORWARD, actor=org["switchboard"], inputs={"agency": org["dept"]}
    )
    fb = feedback_act(
        feedback=fb,
        action=Action.ANSWER,
        actor=org["focal"],
        inputs={"answer": "Đã gọi anh Dân số 0977000111."},
    )
    client.force_login(org["focal"])
    page = client.get(reverse("feedback:staff_publish", args=[fb.code])).content.decode()
    assert page.count("<mark") >= 10  # every removed piece highlighted for the officer
    pa = feedback_publish(
        feedback=fb, actor=org["focal"], title=fb.subject, question=fb.content, answer=fb.answer
    )
    text = (pa.question + pa.answer).lower()
    for secret in (
        "pham van dan",
        "1985",
        "88 le duan",
        "0977",
        "009",
        "3602123456",
        "hưng long",
        citizen.email.lower(),
        "dân",
    ):
        assert secret not in text
    assert PublishedAnswer.objects.count() == 1
