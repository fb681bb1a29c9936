"""Simulators of the national population database and the national business registry: real HTTP
servers over the suite's dataset (``dataset.build``).

Besides the base switches (``down``, ``slow``, ``status``, ``malformed``), ``extra`` holds:

- ``not_found``: ``true`` (every lookup answers 404) or a list of identifiers that are not on record;
- ``mismatch``: ``{field: value}`` overriding fields of every answer (a registry that disagrees with
  what the applicant declares, e.g. ``{"full_name": "Nguyễn Văn Khác"}``).
"""

from __future__ import annotations

from typing import Any

from opendvc.core.simulators import Request, Response, Simulator, json_response, register

from . import dataset


class _RegistrySimulator(Simulator):
    prefix = ""

    def __init__(self, *, records: dict[str, dict] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.records = records if records is not None else self.default_records()

    def default_records(self) -> dict[str, dict]:  # pragma: no cover - abstract
        raise NotImplementedError

    def handle(self, request: Request) -> Response:
        if request.method != "GET" or not request.path.startswith(self.prefix):
            return json_response({"error": "not_found"}, status=404)
        key = request.path[len(self.prefix) :].strip("/")
        extra = self.switches.extra
        not_found = extra.get("not_found")
        if (
            not_found is True
            or (isinstance(not_found, list) and key in not_found)
            or key not in self.records
        ):
            return json_response({"error": "not_found", "id": key}, status=404)
        record = {**self.records[key], **(extra.get("mismatch") or {})}
        return json_response({"data": record, "source": self.name})


class PopulationSimulator(_RegistrySimulator):
    """``GET /v1/cong-dan/<cccd>`` → ``{"data": {cccd, full_name, date_of_birth, gender,
    permanent_address, current_address, household}}``."""

    name = "population"
    prefix = "/v1/cong-dan/"

    def default_records(self) -> dict[str, dict]:
        people, _firms = dataset.build()
        return {p.cccd: p.as_json() for p in people}


class BusinessSimulator(_RegistrySimulator):
    """``GET /v1/doanh-nghiep/<tax code>`` → ``{"data": {tax_code, name, address, legal_representative,
    status}}``."""

    name = "business"
    prefix = "/v1/doanh-nghiep/"

    def default_records(self) -> dict[str, dict]:
        _people, firms = dataset.build()
        return {b.tax_code: b.as_json() for b in firms}


register(
    "population",
    PopulationSimulator,
    port=18701,
    settings=lambda url: {"POPULATION_REGISTRY_URL": url},
    help="CSDL quốc gia về dân cư (tra cứu theo số CCCD)",
)
register(
    "business",
    BusinessSimulator,
    port=18702,
    settings=lambda url: {"BUSINESS_REGISTRY_URL": url},
    help="CSDL quốc gia về đăng ký doanh nghiệp (tra cứu theo mã số thuế)",
)
