"""The English interface: the main pages, rendered in English, show no Vietnamese text except data
(procedure and agency names, legal text, what people typed), which sits in elements marked
``lang="vi"`` so that screen readers switch voice (WCAG 2.1, 3.1.2 Language of Parts)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.test import Client

from opendvc.accounts.tests.factories import mark_mfa_passed

# Letters only Vietnamese uses among the languages we render: ă â đ ê ô ơ ư and tone-marked vowels.
VIETNAMESE = re.compile(
    "[àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ]", re.IGNORECASE
)
VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


class _VisibleText(HTMLParser):
    """Text a reader sees or hears, outside ``<script>``, ``<style>`` and elements in Vietnamese."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []  # (tag, skipped)
        self.lines: list[str] = []

    def _skipped(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        # A <title> cannot mark a part of itself: it names the page by its data (a procedure, an
        # agency), so only the body is read.
        skipped = (
            self._skipped()
            or tag in ("script", "style", "template", "title")
            or (attrs.get("lang") or "").lower().startswith("vi")
        )
        if not skipped:
            # Labels that are read out count as visible text.
            for name in ("title", "aria-label", "placeholder", "alt"):
                if attrs.get(name):
                    self.lines.append(f"<{tag} {name}> {attrs[name]}")
            if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
                self.lines.append(f"<input value> {attrs['value']}")
        if tag not in VOID:
            self.stack.append((tag, skipped))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        if not self._skipped() and data.strip():
            tag = self.stack[-1][0] if self.stack else ""
            self.lines.append(f"<{tag}> {' '.join(data.split())}")


def vietnamese_outside_lang_vi(html: str) -> list[str]:
    parser = _VisibleText()
    parser.feed(html)
    return [line for line in parser.lines if VIETNAMESE.search(line)]


def test_detector_finds_vietnamese_only_outside_lang_vi():
    html = (
        '<html lang="en"><head><title>Home</title><style>p::after{content:"đ"}</style></head><body>'
        '<p>Procedure <span lang="vi">Cấp bản sao trích lục</span> of <b lang="vi-VN">Sở Tư pháp</b></p>'
        "<script>const s = 'Tiếng Việt';</script>"
        '<select><option value="vi" lang="vi">Tiếng Việt</option><option>English</option></select>'
        '<input type="submit" value="Gửi"><a title="Trang chủ" href="/">Home</a><br><p>Bạn cần đăng nhập</p>'
        "</body></html>"
    )
    assert vietnamese_outside_lang_vi(html) == [
        "<input value> Gửi",
        "<a title> Trang chủ",
        "<p> Bạn cần đăng nhập",
    ]


@pytest.fixture
def seeded(db):
    from opendvc.accounts import demo as accounts_demo
    from opendvc.agencies import demo as agencies_demo
    from opendvc.catalog import demo as catalog_demo
    from opendvc.dossiers import demo as dossiers_demo
    from opendvc.eforms import demo as eforms_demo
    from opendvc.feedback.models import Channel
    from opendvc.feedback.services import feedback_create
    from opendvc.worktime import demo as worktime_demo

    agencies_demo.seed()
    accounts_demo.seed()
    worktime_demo.seed()
    catalog_demo.seed()
    eforms_demo.seed()
    dossiers_demo.seed()
    feedback_create(
        channel=Channel.HOTLINE,
        subject="Chậm trả kết quả hộ tịch",
        content="Nội dung phản ánh.",
        sender_name="Phan Văn G",
        sender_phone="0901234567",
    )


def _english(user=None, *, staff: bool = False) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["django_language"] = "en"
    if user is not None:
        client.force_login(user)
        if staff:
            mark_mfa_passed(client)
    return client


def _check(client: Client, url: str, found: dict[str, list[str]], *, status: int = 200) -> str:
    response = client.get(url, follow=True)
    assert response.status_code == status, f"{url} → {response.status_code}"
    html = response.content.decode()
    assert '<html lang="en"' in html, f"{url} is not rendered in English"
    bad = vietnamese_outside_lang_vi(html)
    if bad:
        found[url] = bad
    return html


def test_main_pages_in_english_show_no_untranslated_vietnamese(seeded):
    from opendvc.accounts.models import User
    from opendvc.agencies.models import Agency
    from opendvc.catalog.models import Procedure
    from opendvc.dossiers.models import Dossier, State

    found: dict[str, list[str]] = {}
    public = _english()
    procedure = Dossier.objects.order_by("pk").first().procedure
    agency = (
        Agency.objects.filter(procedures=procedure).order_by("pk").first() or Agency.objects.first()
    )
    for url in (
        "/",
        "/thu-tuc/",
        "/thu-tuc/?q=khai+sinh",
        f"/thu-tuc/{procedure.code}/",
        f"/co-quan/{agency.code}/",
        "/tai-khoan/login/",
        "/tai-khoan/signup/",
        "/tra-cuu/",
        "/phan-anh-kien-nghi/gui/",
        "/hoi-dap/",
        "/ket-qua-giai-quyet/",
        "/gioi-thieu/",
    ):
        _check(public, url, found)
    _check(public, "/khong-co-trang-nay/", found, status=404)

    citizen = User.objects.get(email="citizen1@demo.opendvc.vn")
    mine = _english(citizen)
    dossier = citizen.dossiers.order_by("pk").first()
    for url in ("/ca-nhan/", "/ho-so-cua-toi/", f"/ho-so-cua-toi/{dossier.public_id}/"):
        _check(mine, url, found)
    online = (
        Procedure.objects.filter(
            status=Procedure.Status.PUBLISHED, level__gte=3, is_synthetic=False
        )
        .exclude(pk=procedure.pk)
        .order_by("code")
        .first()
    )
    for filed in (procedure, online):
        _check(mine, f"/nop-ho-so/{filed.code}/", found)
    draft = citizen.dossiers.filter(status=State.DRAFT).order_by("-pk").first()
    assert draft is not None, "opening the filing page makes a draft"
    _check(mine, f"/ho-so-cua-toi/{draft.public_id}/xem-lai/", found)

    officer = _english(User.objects.get(email="receiving-officer@demo.opendvc.vn"), staff=True)
    received = Dossier.objects.exclude(status=State.DRAFT).order_by("pk").first()
    for url in ("/quan-tri/", "/mot-cua/ho-so/", f"/mot-cua/ho-so/{received.code}/"):
        _check(officer, url, found)
    focal = _english(User.objects.get(email="feedback-focal@demo.opendvc.vn"), staff=True)
    _check(focal, "/quan-tri/phan-anh/", found)
    admin = _english(User.objects.get(email="administrator@demo.opendvc.vn"), staff=True)
    _check(admin, "/quan-tri/lich-lam-viec/", found)

    report = "\n".join(f"{url}\n    " + "\n    ".join(lines) for url, lines in found.items())
    assert found == {}, f"Vietnamese outside lang=vi on English pages:\n{report}"
