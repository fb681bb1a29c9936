import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from opendvc.audit.models import AuditEntry
from opendvc.catalog.models import Procedure, ProcedureVersion
from opendvc.catalog.schema import check_record
from opendvc.catalog.selectors import catalog_counts, procedure_record, public_procedures
from opendvc.catalog.services import (
    AgencyIndex,
    derive_level,
    match_agencies,
    publish_procedure,
    record_backoffice_edit,
    suspend_procedure,
    upsert_procedure,
)

pytestmark = pytest.mark.usefixtures("agencies")


def clean(record):
    checked = check_record(record, 1, known_tiers={"bo", "tinh", "xa"}, known_agencies=set())
    assert checked.ok, checked.errors
    return checked.record


def test_level_is_derived_and_says_so():
    base = {
        "methods": [{"method": "direct"}],
        "components": [{"form_file": ""}],
        "online_class": "",
    }
    assert derive_level(base)[:2] == (1, "derived")
    assert derive_level({**base, "components": [{"form_file": "To-khai.docx"}]})[0] == 2  # Art. 5.3
    online = {**base, "methods": [{"method": "online"}, {"method": "direct"}]}
    level, source, basis = derive_level(online)
    assert (level, source) == (3, "derived") and "Điều 2" in basis
    assert derive_level({**online, "online_class": "toan_trinh"})[0] == 4
    assert derive_level({**base, "level": 2})[:2] == (2, "source")


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Ủy ban nhân dân cấp xã", 6),
        ("Ủy ban Nhân dân\xa0xã,\xa0phường,\xa0thị trấn.", 6),
        ("Uỷ ban Nhân dân cấp xã, phường, thị trấn", 6),
        ("Chủ tịch UBND cấp xã", 6),
        ("Sở Tài chính các tỉnh, thành phố", 1),
        ("Cơ quan quản lý cơ sở dữ liệu hộ tịch điện tử; Sở Tư pháp", 1),
        ("Sở Xây dựng, Uỷ ban Nhân dân cấp xã, phường, thị trấn", 7),
        ("Văn phòng đăng ký đất đai, Chi nhánh Văn phòng đăng ký đất đai", 1),
        ("Công an tỉnh", 1),
        ("Thuế cơ sở", 0),
        ("Công an cấp Xã", 0),
    ],
)
def test_agency_text_maps_to_agencies(text, expected):
    assert len(match_agencies(text, AgencyIndex.load())) == expected


def test_agency_mapping_names_the_right_department():
    found = match_agencies("Sở Tư pháp", AgencyIndex.load())
    assert [a.short_name for a in found] == ["Sở Tư pháp"]
    land = match_agencies("Văn phòng đăng ký đất đai", AgencyIndex.load())
    assert land[0].short_name == "Sở Nông nghiệp và Môi trường"


def test_commune_wording_names_the_communes_not_other_offices_at_that_tier():
    from opendvc.agencies.models import Agency, Tier

    communes = {a.code for a in match_agencies("UBND cấp xã", AgencyIndex.load())}
    # A ward's police office sits at the commune tier but is not the ward's People's Committee.
    Agency.objects.create(
        code="000.21.41.H19", name="Công an phường Biên Hòa", tier=Tier.objects.get(code="xa")
    )
    assert (
        communes and {a.code for a in match_agencies("UBND cấp xã", AgencyIndex.load())} == communes
    )


def test_publishing_freezes_a_version_and_is_audited(record):
    procedure, outcome = upsert_procedure(record=clean(record), actor=None)
    assert outcome == "created" and procedure.status == "published"
    version = procedure.versions.get()
    assert version.snapshot["name"] == record["name"] and version.number == 1
    assert (
        AuditEntry.objects.filter(
            action="catalog.procedure.published", target_id="1.999001"
        ).count()
        == 1
    )
    # Publishing unchanged content neither adds a version nor an entry.
    publish_procedure(procedure=procedure, actor=None)
    assert procedure.versions.count() == 1
    # Versions are immutable.
    with pytest.raises(ValidationError):
        version.save()
    with pytest.raises(ValidationError):
        version.delete()


def test_old_versions_keep_their_content_after_an_edit(record, staff_user):
    procedure, _ = upsert_procedure(record=clean(record), actor=None)
    first = procedure.current_version
    procedure.steps.update(text="Bước đã sửa")
    record_backoffice_edit(procedure=procedure, actor=staff_user)
    procedure.refresh_from_db()
    assert procedure.current_version.number == 2
    assert ProcedureVersion.objects.get(pk=first.pk).snapshot["steps"] == [
        "Nộp hồ sơ",
        "Nhận kết quả",
    ]
    assert procedure.current_version.snapshot["steps"] == ["Bước đã sửa", "Bước đã sửa"]
    assert AuditEntry.objects.filter(action="catalog.procedure.edited").exists()


def test_suspended_and_expired_procedures_leave_the_public_catalog(record):
    procedure, _ = upsert_procedure(record=clean(record), actor=None)
    assert catalog_counts() == {"procedures": 1, "online": 0}
    suspend_procedure(procedure=procedure, actor=None, reason="Bãi bỏ")
    assert not public_procedures().exists()
    assert AuditEntry.objects.filter(action="catalog.procedure.suspended").exists()
    publish_procedure(procedure=procedure, actor=None)
    assert public_procedures().exists()
    upsert_procedure(
        record=clean(dict(record, effective_to="2020-01-01", effective_from="2019-01-01")),
        actor=None,
    )
    assert not public_procedures().exists()


def test_drafts_are_not_public(record):
    procedure, _ = upsert_procedure(record=clean(dict(record, status="draft")), actor=None)
    assert procedure.status == "draft" and not procedure.versions.exists()
    assert catalog_counts()["procedures"] == 0


def test_null_amounts_stay_null(record):
    record["fee_items"] = [
        {"name": "Lệ phí", "amount_vnd": None, "note": "do HĐND tỉnh quyết định"}
    ]
    procedure, _ = upsert_procedure(record=clean(record), actor=None)
    assert procedure.fee_items.get().amount_vnd is None


def test_source_unit_words_are_converted_and_the_conversion_is_recorded(record):
    record["methods"] = [
        {"method": "direct", "time_amount": 10, "time_unit": "days", "time_text": "10 Ngày"}
    ]
    procedure, _ = upsert_procedure(record=clean(record), actor=None)
    method = procedure.methods.get()
    assert method.time_unit == "calendar_days"
    assert "10 Ngày" in method.time_basis and method.time_text == "10 Ngày"


def test_model_clean_checks_codes_and_dates(record):
    procedure, _ = upsert_procedure(record=clean(record), actor=None)
    procedure.code = "abc"
    with pytest.raises(ValidationError):
        procedure.clean()
    assert Procedure.objects.get(pk=procedure.pk).code == "1.999001"


def test_the_home_page_counts_follow_dates_levels_and_status(record):
    """The counts read in one statement agree with the ORM's aggregate on every date and status."""
    import datetime as dt

    from django.db.models import Count, Q

    from opendvc.agencies.models import Agency
    from opendvc.catalog.selectors import agency_count

    upsert_procedure(record=clean(dict(record, national_code="1.000001", level=4)), actor=None)
    upsert_procedure(record=clean(dict(record, national_code="1.000002", level=2)), actor=None)
    upsert_procedure(
        record=clean(
            dict(record, national_code="1.000003", level=3, effective_from="2019-01-01", effective_to="2020-12-31")
        ),
        actor=None,
    )
    upsert_procedure(record=clean(dict(record, national_code="1.000004", level=3, status="draft")), actor=None)
    seen = set()
    for today in [dt.date(2018, 6, 1), dt.date(2020, 6, 1), dt.date(2021, 1, 1), dt.date(2026, 12, 4)]:
        expected = public_procedures(today).aggregate(
            procedures=Count("id", distinct=True),
            online=Count("id", filter=Q(level__gte=3, agencies__is_active=True), distinct=True),
        )
        assert catalog_counts(today) == expected
        seen.add((expected["procedures"], expected["online"]))
    assert len(seen) > 1  # the dates made a difference
    assert agency_count() == Agency.objects.count() > 0
    Procedure.objects.update(status="draft")
    assert catalog_counts() == {"procedures": 0, "online": 0}  # no row at all


@pytest.mark.parametrize("online_class", ["toàn trình", "một phần", ""])
def test_the_record_is_the_same_whatever_the_language(record, online_class):
    """Exports and version snapshots hold the data, not the words of the page's language: the record
    made while English is active is the Vietnamese one, and publishing it again in English adds no
    version."""
    procedure, _ = upsert_procedure(record=clean(dict(record, online_class=online_class)), actor=None)
    with translation.override("vi"):
        vi = procedure_record(procedure)
    with translation.override("en"):
        assert procedure_record(procedure) == vi
        publish_procedure(procedure=procedure, actor=None)
    assert procedure.versions.count() == 1
    # Read back by the import as the class stored.
    read = check_record(vi, 1, known_tiers={"xa"}, known_agencies=set(vi["agency_codes"]))
    assert read.record["online_class"] == procedure.online_class


def test_an_edit_keeps_the_level_of_a_toan_trinh_procedure(record, staff_user):
    """The level derived again after a back-office edit reads the class from the record's words
    (level 4: online and toàn trình), as the import read it from the stored code."""
    online = [{**record["methods"][0], "method": "online"}]
    procedure, _ = upsert_procedure(
        record=clean(dict(record, methods=online, online_class="toàn trình")), actor=None
    )
    assert procedure.level == 4
    record_backoffice_edit(procedure=procedure, actor=staff_user)
    procedure.refresh_from_db()
    assert (procedure.level, procedure.level_source) == (4, "derived")
