"""The prefill page says which fields of the form the registry fills: only those whose source the
registry's record holds. It listed every prefilled field of the form — the phone number and email
address (the account's, never the population database's) on the population page, the applicant's
own name and CCCD on the business registry's — and said them in Vietnamese on the English page."""

from __future__ import annotations

import re

import pytest

from opendvc.dossiers.tests.conftest import sign_in

from .test_prefill import draft  # noqa: F401 - fixture

DEFINITION = {
    "title": "Tờ khai",
    "procedures": ["1.001193"],  # the test procedure (``make_procedure``)
    "sections": [
        {
            "key": "p",
            "title": "Người khai",
            "fields": [
                {
                    "key": "ho_ten",
                    "kind": "text",
                    "label": "Họ tên người khai",
                    "label_en": "Declarant's full name",
                    "prefill": "full_name",
                },
                {"key": "thuong_tru", "kind": "address", "label": "Nơi thường trú", "prefill": "permanent_address"},
                {"key": "dien_thoai", "kind": "text", "label": "Số điện thoại liên hệ", "prefill": "phone"},
                {"key": "thu", "kind": "email", "label": "Thư điện tử liên hệ", "prefill": "email"},
                {"key": "ten_to_chuc", "kind": "text", "label": "Tên doanh nghiệp", "prefill": "organisation_name"},
                {"key": "ly_do", "kind": "text", "label": "Lý do"},
            ],
        }
    ],
}


@pytest.fixture
def with_form(draft):  # noqa: F811
    from opendvc.dossiers.services import dossier_create_draft
    from opendvc.eforms.services import definition_publish, definition_save

    definition_publish(
        form=definition_save(key="to-khai-thu", definition=DEFINITION, actor=None), actor=None
    )
    return dossier_create_draft(
        applicant=draft.applicant,
        procedure=draft.procedure,
        receiving_agency=draft.receiving_agency,
        actor=draft.applicant,
    )


def _listed(html: str) -> list[str]:
    block = html.split('<ul>', 1)[1].split("</ul>", 1)[0]
    return re.findall(r"<li[^>]*>([^<]*)</li>", block)


@pytest.mark.parametrize(
    ("registry", "listed"),
    [
        ("population", ["Họ tên người khai", "Nơi thường trú"]),
        ("business", ["Tên doanh nghiệp"]),
    ],
)
def test_the_page_lists_only_what_the_registry_fills(client, with_form, registry, listed):
    sign_in(client, with_form.applicant)
    page = client.get(f"/ho-so-cua-toi/{with_form.public_id}/lay-thong-tin/{registry}/")
    assert page.status_code == 200
    assert _listed(page.content.decode()) == listed


def test_the_english_page_says_the_forms_english_label_or_marks_the_vietnamese_one(client, with_form):
    sign_in(client, with_form.applicant)
    client.cookies["django_language"] = "en"
    page = client.get(
        f"/ho-so-cua-toi/{with_form.public_id}/lay-thong-tin/population/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "<li>Declarant&#x27;s full name</li>" in page
    assert '<li lang="vi">Nơi thường trú</li>' in page
