"""The labels of levels and channels among the filter values are in the request's language: a list
asked in one language first no longer gives its labels to the other (the facets' cache and the API's
response cache were shared by both languages)."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.usefixtures("catalog")


@pytest.fixture(autouse=True)
def _results_cached(settings):
    settings.CATALOG_CACHE_SECONDS = 60


def _labels(body, dim):
    return {v["label"] for v in body[dim]}


@pytest.mark.parametrize("english_first", [True, False])
@pytest.mark.parametrize("query", [{}, {"q": "khai sinh"}, {"method": "online"}])
def test_the_apis_filter_values_in_each_language(english_first, query):
    def ask(accept):
        return Client().get("/api/v1/catalog/facets", query, HTTP_ACCEPT_LANGUAGE=accept)

    order = ["en", "vi"] if english_first else ["vi", "en"]
    answers = {lang: ask(lang) for lang in order}
    en, vi = answers["en"].json(), answers["vi"].json()
    assert "Level 3" in _labels(en, "level") and "Online" in _labels(en, "method")
    assert "Mức độ 3" in _labels(vi, "level") and "Trực tuyến" in _labels(vi, "method")
    assert not _labels(vi, "level") & _labels(en, "level")
    assert answers["en"]["ETag"] != answers["vi"]["ETag"]
    # A cache between the portal and its clients keeps one answer per language asked.
    assert {"Accept-Encoding", "Accept-Language"} <= {
        v.strip() for v in answers["en"]["Vary"].split(",")
    }
    assert (answers["en"]["Content-Language"], answers["vi"]["Content-Language"]) == ("en", "vi")
    # Asked again, each language is answered from its own entry.
    assert ask(order[0]).json() == answers[order[0]].json()


@pytest.mark.parametrize("path", ["/thu-tuc/", "/thu-tuc/?q=h%E1%BB%99+t%E1%BB%8Bch"])
def test_the_list_pages_filter_values_in_each_language(path):
    english = Client()
    english.cookies["django_language"] = "en"
    assert "Level 3" in english.get(path).content.decode()
    page = Client().get(path).content.decode()
    assert "Mức độ 3" in page and "Level 3" not in page
    assert "Online" not in Client().get("/api/v1/catalog/facets").content.decode()
