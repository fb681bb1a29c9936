"""The catalog's search index, held in memory by each process and rebuilt when the catalog changes.

A province publishes a few thousand procedures; every catalog search (the catalog page, its facets,
the API) is answered from this index instead of searching the database again for each request:

- **Matching** — the same rule as the database search (``search.py``): every query word must begin a
  word of the procedure's folded text (name with codes, field and sector, legal basis) — or, for an
  abbreviation (``abbreviations.py``), what it stands for is a phrase of the name or field; for a
  word that begins no word at all, two words of the names it joins without the space ("khaisinh")
  are a phrase of the name or field — or the query is a procedure code and the code begins with it. Word beginnings come from a sorted
  vocabulary (a range found by bisection) and the procedures of each word.
- **Ranking** — the database's order (``search.ORDER``): a code beginning with the typed code; the
  whole query (or the query with its abbreviations written out) as a phrase of the name, then of
  the field; the number of words that are whole words of the name or field; the number of words
  typed with diacritics found so in the name; for each word 100 when it begins a word of the name,
  10 of the field, 1 of the legal text; then the shortest name, then the code. Without words, in
  Vietnamese alphabetical order of the name (``sort_name``, read from the database's
  ``sort_name``), then the code.
- **Facets** — for each filter, the matching procedures with every *other* filter applied, counted
  per value (what choosing that value would give); sectors, fields and agencies in Vietnamese
  alphabetical order of their names, tiers by rank.

What the index holds is the published procedures in effect on one day: it is rebuilt when the catalog
revision changes (``services.bump_revision``, called by every change of a procedure, its methods,
agencies or tiers, a sector, a field, an agency or a tier — see ``apps.py``) or the date changes (a
procedure enters or leaves effect). Rows shown on a page are read from the database; the index only
says which and in what order. A typo-tolerant pass (PostgreSQL) still runs in the database, only
when nothing matches.
"""

from __future__ import annotations

import bisect
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from heapq import nsmallest
from itertools import chain
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.db.models.functions import Length
from django.utils import timezone

from opendvc.agencies.models import Agency, Tier

from .models import Field, Procedure, ProcedureMethod, Sector
from .search import RANK_FIELD, RANK_LEGAL, RANK_NAME, SearchQuery, accent_forms

_MAX_MEMO = 4096


class _Words:
    """Which procedures have a word beginning with a given prefix, for one folded text column."""

    def __init__(self, texts: dict[int, str]):
        postings: dict[str, set[int]] = defaultdict(set)
        for pid, text in texts.items():
            for word in text.split():
                postings[word].add(pid)
        self.vocabulary = sorted(postings)
        self.postings = {word: frozenset(ids) for word, ids in postings.items()}
        self._memo: dict[str, frozenset[int]] = {}

    def starting(self, prefix: str) -> frozenset[int]:
        hit = self._memo.get(prefix)
        if hit is not None:
            return hit
        words = self.vocabulary
        lo = bisect.bisect_left(words, prefix)
        hi = bisect.bisect_left(words, prefix + "\x7f", lo)
        if hi - lo == 1:
            found = self.postings[words[lo]]
        else:
            found = frozenset(chain.from_iterable(self.postings[w] for w in words[lo:hi]))
        if len(self._memo) >= _MAX_MEMO:
            self._memo.clear()
        self._memo[prefix] = found
        return found


@dataclass(frozen=True)
class FilterSets:
    """The procedures passing each filter that is set (a filter not set is absent)."""

    sets: dict[str, frozenset[int]]

    def apply(self, ids: frozenset[int], *, skip: str | None = None) -> frozenset[int]:
        result = ids
        for name, allowed in self.sets.items():
            if name != skip:
                result = result & allowed
        return result


class CatalogIndex:
    def __init__(
        self,
        *,
        key: tuple,
        rows: list[dict[str, Any]],
        relations: dict[str, Any],
        order: dict[str, Any],
    ):
        self.key = key
        self.all = frozenset(r["id"] for r in rows)
        self.doc = _Words({r["id"]: r["search_doc"] for r in rows})
        self.name = _Words({r["id"]: r["search_name"] for r in rows})
        self.field = _Words({r["id"]: r["search_field"] for r in rows})
        # The texts a phrase and a word typed with diacritics are looked for in (``search._ranking``).
        self.name_text = {r["id"]: r["search_name"] + " " for r in rows}
        self.field_text = {r["id"]: r["search_field"] + " " for r in rows}
        self.spaced_name = {r["id"]: " " + r["name"] for r in rows}
        self._accent_memo: dict[str, frozenset[int]] = {}
        self._written_memo: dict[tuple[int, str], frozenset[int]] = {}
        self.codes = sorted((r["code"], r["id"]) for r in rows)
        self.code_of = {r["id"]: r["code"] for r in rows}
        # Ties broken as the database does: the shortest folded name, then the code (its collation).
        self.tie = {pid: n for n, pid in enumerate(order["by_length"]) if pid in self.all}
        # Without words: Vietnamese alphabetical order of the name (``sort_name``), then the code.
        self.by_name = {pid: n for n, pid in enumerate(order["by_name"]) if pid in self.all}
        self.sector_of = {r["id"]: r["sector_id"] for r in rows}
        self.field_of = {r["id"]: r["field_id"] for r in rows}
        self.level_of = {r["id"]: r["level"] for r in rows}
        self.online = frozenset(r["id"] for r in rows if r["has_online"])
        self.tiers_of = self._grouped(relations["tiers"])
        self.agencies_of = self._grouped(relations["agencies"])
        self.methods_of = self._grouped(relations["methods"])
        # What can be filed online on the portal now (the procedure page's "Nộp hồ sơ trực tuyến"): a
        # level 3 or 4 procedure that an active agency receives (``dossiers.selectors.receiving_agencies``).
        active = order["active_agencies"]
        self.files_online = frozenset(
            pid
            for pid, agencies in self.agencies_of.items()
            if self.level_of.get(pid, 0) >= Procedure.Level.ONLINE
            and not active.isdisjoint(agencies)
        )
        self.by = {
            "sector": self._inverted(self.sector_of),
            "field": self._inverted(self.field_of),
            "level": self._inverted(self.level_of),
            "tier": self._inverted_many(self.tiers_of),
            "agency": self._inverted_many(self.agencies_of),
            "method": self._inverted_many(self.methods_of),
        }
        self.labels = order["labels"]
        self.agency_label = {pk: (code, name) for pk, code, name in self.labels["agency"]}
        self.tier_code = {pk: code for pk, code, _name in self.labels["tier"]}

    def _grouped(self, pairs: Iterable[tuple[int, Any]]) -> dict[int, tuple]:
        grouped: dict[int, list] = defaultdict(list)
        for pid, value in pairs:
            if pid in self.all and value not in grouped[pid]:
                grouped[pid].append(value)
        return {pid: tuple(values) for pid, values in grouped.items()}

    @staticmethod
    def _inverted(of: dict[int, Any]) -> dict[Any, frozenset[int]]:
        inverted: dict[Any, set[int]] = defaultdict(set)
        for pid, value in of.items():
            inverted[value].add(pid)
        return {value: frozenset(ids) for value, ids in inverted.items()}

    @staticmethod
    def _inverted_many(of: dict[int, tuple]) -> dict[Any, frozenset[int]]:
        inverted: dict[Any, set[int]] = defaultdict(set)
        for pid, values in of.items():
            for value in values:
                inverted[value].add(pid)
        return {value: frozenset(ids) for value, ids in inverted.items()}

    # -- matching and ranking -----------------------------------------------------------------

    def match(self, query: SearchQuery) -> frozenset[int]:
        if query.empty:
            return self.all
        found: frozenset[int] | None = None
        for term in sorted(query.terms, key=len, reverse=True):
            ids = self.doc.starting(term)
            for phrase in query.expansions_of(term):
                ids = ids | self._written_out(self.name, self.name_text, phrase)
                ids = ids | self._written_out(self.field, self.field_text, phrase)
            if not ids:
                ids = self._run_together(term)
            found = ids if found is None else found & ids
            if not found:
                break
        found = found or frozenset()
        if query.code_prefix:
            found = found | self._code_prefixed(query.code_prefix)
        return found

    def _run_together(self, term: str) -> frozenset[int]:
        """A word that begins no word of the catalog, typed as two words without the space between
        them ("khaisinh", "dangky"): the procedures whose name or field has the two words in a row
        ("khai sinh"). Only splits into two whole words of the names are tried, and only when the
        word as typed found nothing."""
        found: frozenset[int] = frozenset()
        for cut in range(2, len(term) - 1):
            head, tail = term[:cut], term[cut:]
            if head in self.name.postings and tail in self.name.postings:
                phrase = f"{head} {tail}"
                found = found | self._phrase(self.name, self.name_text, self.all, phrase)
                found = found | self._phrase(self.field, self.field_text, self.all, phrase)
        return found

    def _code_prefixed(self, prefix: str) -> frozenset[int]:
        lo = bisect.bisect_left(self.codes, (prefix,))
        ids = []
        for code, pid in self.codes[lo:]:
            if not code.startswith(prefix):
                break
            ids.append(pid)
        return frozenset(ids)

    def _whole(self, words: _Words, term: str) -> frozenset[int]:
        return words.postings.get(term, frozenset())

    def _phrase(self, words: _Words, text: dict[int, str], ids: frozenset[int], phrase: str):
        """Those of ``ids`` whose folded ``text`` has ``phrase`` as whole words."""
        candidates = ids
        for term in set(phrase.split()):
            candidates = candidates & self._whole(words, term)
            if not candidates:
                return frozenset()
        needle = f" {phrase} "
        return frozenset(pid for pid in candidates if needle in text[pid])

    def _written_out(self, words: _Words, text: dict[int, str], phrase: str) -> frozenset[int]:
        """The procedures whose ``text`` (name or field) has ``phrase``, what an abbreviation stands
        for (a few dozen phrases in all: kept)."""
        key = (id(words), phrase)
        hit = self._written_memo.get(key)
        if hit is None:
            hit = self._written_memo[key] = self._phrase(words, text, self.all, phrase)
        return hit

    def _accented(self, word: str) -> frozenset[int]:
        """The procedures whose name has a word beginning with ``word`` as typed (``accent_forms``)."""
        hit = self._accent_memo.get(word)
        if hit is None:
            forms = accent_forms(word)
            hit = frozenset(
                pid for pid, name in self.spaced_name.items() if any(form in name for form in forms)
            )
            if len(self._accent_memo) >= _MAX_MEMO:
                self._accent_memo.clear()
            self._accent_memo[word] = hit
        return hit

    def ranked(self, ids: frozenset[int], query: SearchQuery, *, limit: int) -> list[int]:
        """The first ``limit`` of ``ids`` in the search's order (``search.ORDER``)."""
        if query.empty:
            return nsmallest(limit, ids, key=self.by_name.__getitem__)
        code_first = (
            self._code_prefixed(query.code_prefix) & ids if query.code_prefix else frozenset()
        )
        phrases = query.phrases or (query.phrase,)
        phrase_name = frozenset().union(
            *(self._phrase(self.name, self.name_text, ids, p) for p in phrases)
        )
        # The phrase in the name outranks everything but a typed code: when those procedures alone
        # fill the page, only they are ranked.
        if not code_first and len(phrase_name) >= limit:
            ids = phrase_name
        phrase_field = frozenset().union(
            *(self._phrase(self.field, self.field_text, ids, p) for p in phrases)
        )
        whole: Counter = Counter()
        in_name: Counter = Counter()
        in_field: Counter = Counter()
        for term in query.terms:
            # An abbreviation written out in the name or field counts as the word found there.
            name_out = field_out = frozenset()
            for phrase in query.expansions_of(term):
                name_out = name_out | self._written_out(self.name, self.name_text, phrase)
                field_out = field_out | self._written_out(self.field, self.field_text, phrase)
            whole.update(
                (
                    self._whole(self.name, term)
                    | self._whole(self.field, term)
                    | name_out
                    | field_out
                )
                & ids
            )
            # Each word adds 100 (name), 10 (field) or 1 (legal text): with ``a`` words in the name
            # and ``b`` more in the field, the rank is 99a + 9b + (number of words).
            named = (self.name.starting(term) | name_out) & ids
            in_name.update(named)
            in_field.update(((self.field.starting(term) | field_out) & ids) - named)
        accent: Counter = Counter()
        for word in query.accented:
            accent.update(self._accented(word) & ids)
        name_gain, field_gain = RANK_NAME - RANK_LEGAL, RANK_FIELD - RANK_LEGAL
        tie = self.tie

        def key(pid: int) -> tuple[int, ...]:
            return (
                pid not in code_first,
                pid not in phrase_name,
                pid not in phrase_field,
                -whole[pid],
                -accent[pid],
                -(name_gain * in_name[pid] + field_gain * in_field[pid]),
                tie[pid],
            )

        return nsmallest(limit, ids, key=key)

    # -- filters and facets ---------------------------------------------------------------------

    def filter_sets(self, filters) -> FilterSets:
        """``filters`` (``selectors.Filters``) as the set of procedures passing each one."""
        sets: dict[str, frozenset[int]] = {}
        empty: frozenset[int] = frozenset()
        for name in ("sector", "field", "tier", "agency"):
            value = getattr(filters, f"{name}_id")
            if value:
                sets[name] = self.by[name].get(value, empty)
        if filters.level:
            sets["level"] = self.by["level"].get(filters.level, empty)
        if filters.method == "online":
            sets["method"] = self.online
        elif filters.method:
            sets["method"] = self.by["method"].get(filters.method, empty)
        return FilterSets(sets)

    def facet_counts(
        self, matching: frozenset[int], filter_sets: FilterSets
    ) -> dict[str, list[tuple]]:
        """For each dimension, ``(value, label, count)`` in display order: the matching procedures
        with every other filter applied, counted per value of the dimension."""
        result: dict[str, list[tuple]] = {}
        for dim in ("sector", "field", "tier", "level", "agency", "method"):
            base = filter_sets.apply(matching, skip=dim)
            postings = self.by[dim]
            labels = self.labels.get(dim)
            if labels is None:  # level and method: the value is shown through its own label
                counted = [(value, None, len(base & postings[value])) for value in sorted(postings)]
            else:
                counted = [
                    (code, name, len(base & postings[pk]))
                    for pk, code, name in labels
                    if pk in postings
                ]
            result[dim] = [row for row in counted if row[2]]
        return result


_lock = threading.Lock()
_current: CatalogIndex | None = None


def _load(key: tuple, public: QuerySet[Procedure]) -> CatalogIndex:
    rows = list(
        public.values(
            "id",
            "code",
            "name",
            "search_name",
            "search_field",
            "search_doc",
            "sector_id",
            "field_id",
            "level",
            "has_online",
        )
    )
    relations = {
        "tiers": Procedure.tiers.through.objects.filter(procedure__in=public)
        .order_by("tier__rank", "tier__code")
        .values_list("procedure_id", "tier_id"),
        "agencies": Procedure.agencies.through.objects.filter(procedure__in=public)
        .order_by("agency__code")
        .values_list("procedure_id", "agency_id"),
        "methods": ProcedureMethod.objects.filter(procedure__in=public)
        .order_by("method")
        .values_list("procedure_id", "method"),
    }
    order = {
        "by_name": list(public.order_by("sort_name", "code").values_list("id", flat=True)),
        "by_length": list(
            public.annotate(name_length=Length("search_name"))
            .order_by("name_length", "code")
            .values_list("id", flat=True)
        ),
        "labels": {
            "sector": list(
                Sector.objects.order_by("sort_name", "code").values_list("id", "code", "name")
            ),
            "field": list(
                Field.objects.order_by("sort_name", "code").values_list("id", "code", "name")
            ),
            "tier": list(Tier.objects.order_by("rank", "code").values_list("id", "code", "name")),
            "agency": list(
                Agency.objects.order_by("sort_name", "code").values_list("id", "code", "name")
            ),
        },
        "active_agencies": frozenset(
            Agency.objects.filter(is_active=True).values_list("id", flat=True)
        ),
    }
    return CatalogIndex(key=key, rows=rows, relations=relations, order=order)


def catalog_index(*, revision: str, public: Callable[[], QuerySet[Procedure]]) -> CatalogIndex:
    """This process's index of the published procedures ``public()`` at catalog ``revision`` (built
    on first use after a change of the revision, the date or the database)."""
    global _current
    database = f"{connection.vendor}:{connection.settings_dict.get('NAME')}"
    key = (revision, timezone.localdate().isoformat(), database)
    index = _current
    if index is not None and index.key == key:
        return index
    with _lock:
        if _current is None or _current.key != key:
            _current = _load(key, public())
        return _current


def forget() -> None:
    """Drop this process's index (the next search builds it again)."""
    global _current
    _current = None


__all__ = ["CatalogIndex", "FilterSets", "catalog_index", "forget"]
