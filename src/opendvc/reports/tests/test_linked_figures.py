"""Linked dossiers in the reports: on time per member agency counting only its own allotment, and
overall against the dossier's one appointment — on the reports page and in the report's xlsx."""

from __future__ import annotations

import io
from datetime import datetime

import time_machine

from opendvc.dossiers.services import dossier_act
from opendvc.dossiers.tests.conftest import sign_in, staff
from opendvc.linked.bundles import BIRTH
from opendvc.linked.models import Part
from opendvc.linked.services import PartAction, linked_dossier_finish, part_act
from opendvc.linked.tests.conftest import bundles, catalog, file_bundle  # noqa: F401 - fixtures
from opendvc.linked.tests.conftest import people as linked_people  # noqa: F401 - fixture
from opendvc.reports.periods import period_of
from opendvc.reports.selectors import linked_period_figures
from opendvc.worktime import VN_TZ

POLICE = "Công an phường Biên Hòa"
BHXH = "Bảo hiểm xã hội cơ sở Biên Hòa"


def at(*args) -> datetime:
    return datetime(*args, tzinfo=VN_TZ)


def _parts(dossier) -> dict[str, Part]:
    return {p.member.key: p for p in Part.objects.filter(dossier=dossier).select_related("member")}


def _police_late_insurance_on_time(bundles, people):  # noqa: F811
    dossier = file_bundle(bundles[BIRTH], people, at=at(2026, 3, 2, 8, 0))
    parts = _parts(dossier)
    with time_machine.travel(at(2026, 3, 2, 9, 0), tick=False):
        part_act(part=parts["khai-sinh"], action=PartAction.ACCEPT, actor=people["justice"])
        part_act(
            part=parts["khai-sinh"],
            action=PartAction.COMPLETE,
            actor=people["chair"],
            result="GKS 1",
        )
    parts = _parts(dossier)
    with time_machine.travel(at(2026, 3, 3, 9, 0), tick=False):
        part_act(part=parts["thuong-tru"], action=PartAction.ACCEPT, actor=people["police"])
        part_act(part=parts["bhyt"], action=PartAction.ACCEPT, actor=people["bhxh"])
    # Social insurance within its 10 working days; the police after its 15 (late for its own
    # allotment while the dossier's 20-day appointment is still ahead).
    with time_machine.travel(at(2026, 3, 10, 9, 0), tick=False):
        part_act(
            part=parts["bhyt"], action=PartAction.COMPLETE, actor=people["bhxh_chief"], result="Thẻ"
        )
    with time_machine.travel(at(2026, 3, 26, 9, 0), tick=False):
        part_act(
            part=parts["thuong-tru"],
            action=PartAction.COMPLETE,
            actor=people["police_chief"],
            result="TB cư trú",
        )
        done = linked_dossier_finish(dossier=dossier, actor=people["chair"])
        done = dossier_act(
            dossier=done,
            action="return_result",
            actor=people["counter"],
            method="counter",
            recipient="Nguyễn Văn An",
            identity_document="075090001234",
        )
    assert done.status == "returned" and done.on_time_class in ("early", "on_time")
    return done


def test_one_agency_late_the_other_on_time_in_the_reports(bundles, linked_people, client):  # noqa: F811
    from openpyxl import load_workbook

    from opendvc.reports.models import Report
    from opendvc.reports.services import report_request

    _police_late_insurance_on_time(bundles, linked_people)
    figures = linked_period_figures(period=period_of("2026-Q1"))
    rows = {r["agency"]: r for r in figures["agencies"]}
    assert rows[POLICE]["late"] == 1 and rows[POLICE]["on_time_rate"] == 0.0
    assert rows[BHXH]["late"] == 0 and rows[BHXH]["on_time_rate"] == 100.0
    assert figures["overall"]["late"] == 0 and figures["overall"]["on_time_rate"] == 100.0
    assert figures["dossiers"] == 1
    # Another period holds none of it.
    assert linked_period_figures(period=period_of("2026-Q2"))["agencies"] == []

    office = staff("province_office", "000.00.00.H19")
    sign_in(client, office)
    page = client.get("/quan-tri/bao-cao/?ky=2026-Q1").content.decode()
    section = page[page.index('id="lien-thong"') :]
    section = section[: section.index('id="lap-bao-cao"')]
    assert POLICE in section and BHXH in section
    police_row = section[section.index(POLICE) :].split("</tr>")[0]
    bhxh_row = section[section.index(BHXH) :].split("</tr>")[0]
    assert police_row.endswith(("<td>0,0</td>", "<td>0.0</td>"))
    assert bhxh_row.endswith(("<td>100,0</td>", "<td>100.0</td>"))
    assert "Toàn bộ (1 hồ sơ)" in section

    report_request(kind="province_quarter", period_label="2026-Q1", actor=office)
    report = Report.objects.get()
    assert report.status == "done", report.error
    ws = load_workbook(io.BytesIO(report.xlsx.read()))["Liên thông"]
    table = {r[0]: r for r in ws.iter_rows(values_only=True)}
    header = list(table["Cơ quan (theo thời hạn của riêng cơ quan)"])
    late, rate = header.index("Quá hạn"), header.index("Tỷ lệ đúng hạn (%)")
    assert table[POLICE][late] == 1 and table[POLICE][rate] == 0.0
    assert table[BHXH][late] == 0 and table[BHXH][rate] == 100.0
    overall = next(r for k, r in table.items() if k.startswith("Toàn bộ hồ sơ liên thông"))
    assert overall[late] == 0 and overall[rate] == 100.0
