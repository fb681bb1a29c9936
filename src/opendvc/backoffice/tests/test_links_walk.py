"""Every role walks the back office from its landing page: each link a page shows answers without
403 (or any error) for that role. Links come from the same checks as the views they point to."""

from __future__ import annotations

from collections import defaultdict, deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from django.test import Client
from django.urls import Resolver404, resolve

from opendvc.accounts.tests.factories import mark_mfa_passed

BACKOFFICE_PREFIXES = ("/quan-tri/", "/mot-cua/", "/can-bo/")
PER_ROUTE = 2  # links checked per URL pattern (two dossier pages say as much as twenty)
MAX_PAGES = 40  # pages read per role


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href") or ""
            if href:
                self.hrefs.append(href)


def links_on(page_url: str, html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    found = []
    for href in parser.hrefs:
        href = urldefrag(href)[0]
        if not href or href.startswith(("mailto:", "tel:", "//", "http:", "https:")):
            continue
        if href.startswith("?"):
            href = urlsplit(page_url).path + href
        if href.startswith("/static/"):
            continue
        found.append(href)
    return found


def _route(url: str) -> str:
    try:
        return resolve(urlsplit(url).path).route
    except Resolver404:
        return url


def walk(client: Client, start: str = "/quan-tri/") -> tuple[dict[str, tuple[int, str]], int]:
    """Read back-office pages from ``start``; answer {link: (status, page it was shown on)}."""
    checked: dict[str, tuple[int, str]] = {}
    per_route: dict[str, int] = defaultdict(int)
    queue = deque([(start, "(start)")])
    pages = 0
    while queue and pages < MAX_PAGES:
        url, shown_on = queue.popleft()
        if url in checked:
            continue
        route = _route(url)
        if per_route[route] >= PER_ROUTE:
            continue
        per_route[route] += 1
        response = client.get(url)
        checked[url] = (response.status_code, shown_on)
        readable = response.status_code == 200 and response.get("Content-Type", "").startswith(
            "text/html"
        )
        if not readable or not urlsplit(url).path.startswith(BACKOFFICE_PREFIXES + ("/quan-tri",)):
            continue
        pages += 1
        for link in links_on(url, response.content.decode()):
            if link not in checked:
                queue.append((link, url))
    return checked, pages


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
    for subject in ("Chậm trả kết quả hộ tịch", "Đề nghị thêm quầy tiếp nhận"):
        feedback_create(
            channel=Channel.HOTLINE,
            subject=subject,
            content="Nội dung phản ánh.",
            sender_name="Phan Văn G",
            sender_phone="0901234567",
        )
    return accounts_demo


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    mark_mfa_passed(client)
    return client


def test_every_link_shown_to_every_role_opens(seeded):
    from opendvc.accounts.models import User

    staff = list(
        User.objects.filter(email__endswith="@demo.opendvc.vn", is_staff=True).order_by("email")
    )
    assert {r.role for u in staff for r in u.staff_roles.all()} >= {s[2] for s in seeded.STAFF}
    refused = []
    for user in staff:
        checked, pages = walk(_signed_in(user))
        assert pages >= 1, f"{user.email}: the landing page did not open"
        refused += [
            f"{user.email}: {link} → {status} (shown on {page})"
            for link, (status, page) in checked.items()
            if status >= 400
        ]
    assert refused == [], "\n".join(refused)


@pytest.mark.parametrize(
    ("role", "shown", "hidden"),
    [
        (
            "feedback_focal",
            ["/quan-tri/phan-anh/thong-ke/"],
            ["/quan-tri/phan-anh/thu-cach-ly/", "/quan-tri/phan-anh/nhap/"],
        ),
        ("switchboard", ["/quan-tri/phan-anh/thu-cach-ly/", "/quan-tri/phan-anh/nhap/"], []),
        ("head", ["/quan-tri/phan-anh/thong-ke/"], ["/quan-tri/phan-anh/thu-cach-ly/"]),
    ],
)
def test_feedback_queue_links_follow_the_role(seeded, role, shown, hidden):
    from opendvc.accounts.models import User

    user = User.objects.get(email=f"{role.replace('_', '-')}@demo.opendvc.vn")
    html = _signed_in(user).get("/quan-tri/phan-anh/").content.decode()
    for url in shown:
        assert f'href="{url}"' in html
    for url in hidden:
        assert f'href="{url}"' not in html


def test_landing_lists_counter_intake_for_the_receiving_officer(seeded):
    from django.urls import reverse

    from opendvc.accounts.models import User

    user = User.objects.get(email="receiving-officer@demo.opendvc.vn")
    html = _signed_in(user).get("/quan-tri/").content.decode()
    assert f'href="{reverse("dossiers:intake")}"' in html
