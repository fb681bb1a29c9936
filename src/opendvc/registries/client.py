"""Adapters of the national registries: one interface, an HTTP client per registry (httpx).

``lookup(identifier)`` returns the record as a dict of the e-forms' prefill sources (``full_name``,
``date_of_birth``, ``gender``, ``cccd``, ``permanent_address``, ``current_address`` for a person;
``organisation_name``, ``organisation_tax_code``, ``organisation_address``,
``organisation_representative`` for a business) plus what has no form field (household, status).
Raises ``RegistryNotFound`` when the registry has no such record and ``RegistryUnavailable`` when it
cannot be reached, times out or answers something that is not its protocol (also a record holding a
NUL character or half a surrogate pair, which no database keeps).
"""

from __future__ import annotations

from typing import Any, Protocol

import httpx
from django.conf import settings

from opendvc.core.text import contains_unstorable


class RegistryError(Exception):
    pass


class RegistryNotFound(RegistryError):
    pass


class RegistryUnavailable(RegistryError):
    pass


class Registry(Protocol):
    key: str

    def lookup(self, identifier: str, *, purpose: str) -> dict[str, Any]: ...


class _HttpRegistry:
    key = ""
    path = ""
    sources: frozenset[str] = frozenset()

    def __init__(self, *, base_url: str, timeout: float) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._client: httpx.Client | None = None

    @property
    def client(self) -> httpx.Client:
        # One pooled client per adapter: creating an httpx client (its TLS context) per call cost
        # ~100 ms per lookup (bench/bench_registries.py).
        if self._client is None:
            self._client = httpx.Client(timeout=self.timeout)
        return self._client

    def lookup(self, identifier: str, *, purpose: str) -> dict[str, Any]:
        data = self.record(identifier, purpose=purpose)
        try:
            return self.translate(data)
        # RecursionError: JSON nested deeper than the decoder reads.
        except (ValueError, KeyError, TypeError, RecursionError) as exc:
            raise RegistryUnavailable("malformed answer") from exc

    def record(self, identifier: str, *, purpose: str) -> dict[str, Any]:
        """The registry's record of ``identifier`` as it sent it (an object), for checks on what the
        prefill does not keep (a business's representative's CCCD)."""
        if not self.base_url:
            raise RegistryUnavailable("not configured")
        try:
            response = self.client.get(
                f"{self.base_url}{self.path}{identifier}",
                headers={"X-Purpose": purpose[:200].encode("ascii", "ignore").decode() or "dvc"},
            )
        except httpx.HTTPError as exc:
            raise RegistryUnavailable(type(exc).__name__) from exc
        if response.status_code == 404:
            raise RegistryNotFound(identifier)
        if response.status_code != 200:
            raise RegistryUnavailable(f"HTTP {response.status_code}")
        try:
            data = response.json()["data"]
        # RecursionError: JSON nested deeper than the decoder reads.
        except (ValueError, KeyError, TypeError, RecursionError) as exc:
            raise RegistryUnavailable("malformed answer") from exc
        if not isinstance(data, dict) or contains_unstorable(data):
            raise RegistryUnavailable("malformed answer")
        return data

    def translate(self, data: dict[str, Any]) -> dict[str, Any]:  # pragma: no cover - abstract
        raise NotImplementedError


class PopulationRegistry(_HttpRegistry):
    """Cơ sở dữ liệu quốc gia về dân cư, by CCCD."""

    key = "population"
    path = "/v1/cong-dan/"
    # The form's prefill sources this registry's record holds (``translate``'s keys).
    sources = frozenset(
        {"cccd", "full_name", "date_of_birth", "gender", "permanent_address", "current_address"}
    )

    def translate(self, data: dict[str, Any]) -> dict[str, Any]:
        return {
            "cccd": str(data["cccd"]),
            "full_name": str(data["full_name"]),
            "date_of_birth": str(data["date_of_birth"]),
            "gender": str(data["gender"]),
            "permanent_address": dict(data["permanent_address"]),
            "current_address": dict(data["current_address"]),
            "household": dict(data.get("household") or {}),
        }


class BusinessRegistry(_HttpRegistry):
    """Cơ sở dữ liệu quốc gia về đăng ký doanh nghiệp, by tax code."""

    key = "business"
    path = "/v1/doanh-nghiep/"
    sources = frozenset(
        {
            "organisation_tax_code",
            "organisation_name",
            "organisation_address",
            "organisation_representative",
        }
    )

    def translate(self, data: dict[str, Any]) -> dict[str, Any]:
        return {
            "organisation_tax_code": str(data["tax_code"]),
            "organisation_name": str(data["name"]),
            "organisation_address": dict(data["address"]),
            "organisation_representative": str(data["legal_representative"]["full_name"]),
            "status": str(data["status"]),
        }


_ADAPTERS: dict[tuple[str, str, float], Registry] = {}


def registry_for(key: str) -> Registry:
    """The configured adapter of registry ``key`` ("population" or "business"), kept per process for
    its connection pool (a changed setting gives a new one)."""
    timeout = float(settings.REGISTRY_TIMEOUT_SECONDS)
    classes = {
        "population": (PopulationRegistry, settings.POPULATION_REGISTRY_URL),
        "business": (BusinessRegistry, settings.BUSINESS_REGISTRY_URL),
    }
    cls, url = classes[key]
    found = _ADAPTERS.get((key, url, timeout))
    if found is None:
        found = _ADAPTERS[(key, url, timeout)] = cls(base_url=url, timeout=timeout)
    return found


def registry_sources(key: str) -> frozenset[str]:
    """The form's prefill sources that registry ``key`` fills (a phone number or an email address is
    the account's, never a registry's)."""
    return {"population": PopulationRegistry, "business": BusinessRegistry}[key].sources
