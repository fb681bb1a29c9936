"""A signed-out reader walks the public portal from the home page in Vietnamese and in English, with
every procedure of the shipped catalog: no page fails, no link of ours leads nowhere, and the text of
each page shows labels and dd/mm/yyyy dates, never a Python value, an ISO date or a template's source."""

from __future__ import annotations

import re
from collections import defaultdict, deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from django.test import Client
from django.urls import Resolver404, resolve

from opendvc.catalog.models import Procedure

pytestmark = pytest.mark.usefixtures("catalog")

PER_ROUTE = 3  # pages read per URL pattern (all procedure pages are read, each once per language)
RAW = {
    "Python repr": re.compile(r"\(['\"]|\[['\"{]|\{'|\[\]|\{\}"),
    "Python value": re.compile(r"\b(?:True|False|None)\b"),
    "ISO date": re.compile(r"(?<![\d./-])\d{4}-\d{2}-\d{2}(?![\d-])"),
    "template source": re.compile(r"\{\{|\}\}|\{%|%\}|%\(\w+\)s"),
}
# English has the word "None" ("Requirements and conditions: None").
ALLOWED = {"en": {"Python value": {"None"}}}


class _Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.text: list[str] = []
        self._skip = 0
        self._main = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._skip += 1
        elif tag == "main":
            self._main += 1
        elif tag == "a" and dict(attrs).get("href"):
            self.links.append(dict(attrs)["href"])

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template"):
            self._skip -= 1
        elif tag == "main":
            self._main -= 1

    def handle_data(self, data):
        if self._main and not self._skip and data.strip():
            self.text.append(data.strip())


def _route(path: str) -> str:
    try:
        return resolve(path).route
    except Resolver404:
        return path


def walk(client: Client, language: str, starts: list[str]) -> tuple[list[str], int]:
    problems: list[str] = []
    seen: set[str] = set()
    per_route: dict[str, int] = defaultdict(int)
    queue = deque((url, "(start)") for url in starts)
    pages = 0
    while queue:
        url, shown_on = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        path = urlsplit(url).path
        route = _route(path)
        if route != "thu-tuc/<pcode:code>/" and per_route[route] >= PER_ROUTE:
            continue
        per_route[route] += 1
        response = client.get(url)
        if response.status_code >= 400 and response.status_code != 429:
            problems.append(f"{language} {url} → {response.status_code} (linked from {shown_on})")
            continue
        if response.status_code in (301, 302):
            location = response["Location"]
            if location.startswith("/") and not location.startswith("/tai-khoan/"):
                queue.append((location, url))
            continue
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        pages += 1
        page = _Page()
        page.feed(response.content.decode())
        text = "\n".join(page.text)
        for kind, pattern in RAW.items():
            for match in pattern.finditer(text):
                if match.group(0) in ALLOWED.get(language, {}).get(kind, ()):
                    continue
                around = text[max(0, match.start() - 40) : match.end() + 40].replace("\n", " | ")
                problems.append(f"{language} {path}: {kind} «{around}»")
        for href in page.links:
            href = urldefrag(href)[0]
            if not href or href.startswith(("mailto:", "tel:", "http:", "https:", "//")):
                continue
            link = urljoin(url, href)
            if link.startswith(("/static/", "/media/", "/tai-khoan/", "/admin/")):
                continue
            if link not in seen:
                queue.append((link, url))
    return problems, pages


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_public_portal_reads_cleanly_for_every_procedure(language):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.cookies["django_language"] = language
    procedures = [f"/thu-tuc/{code}/" for code in Procedure.objects.values_list("code", flat=True)]
    assert len(procedures) >= 78
    problems, pages = walk(client, language, ["/", *procedures])
    assert pages >= len(procedures) + 10
    assert problems == [], "\n".join(problems[:40])


@pytest.mark.parametrize("language", ["vi", "en"])
def test_a_signed_in_citizen_reads_their_pages_cleanly(language):
    """The demo citizen's pages (their dossiers in every state the demo seeds, notices, profile,
    organisations, e-forms, postal orders) with the public ones they link to."""
    from opendvc.accounts import demo as accounts_demo
    from opendvc.accounts.models import User
    from opendvc.dossiers import demo as dossiers_demo
    from opendvc.eforms import demo as eforms_demo
    from opendvc.worktime import demo as worktime_demo

    for module in (accounts_demo, worktime_demo, eforms_demo, dossiers_demo):
        module.seed()
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.cookies["django_language"] = language
    client.force_login(User.objects.get(email=f"citizen1@{accounts_demo.DOMAIN}"))
    problems, pages = walk(client, language, ["/", "/ca-nhan/", "/ho-so-cua-toi/"])
    assert pages >= 40
    assert problems == [], "\n".join(problems[:40])
