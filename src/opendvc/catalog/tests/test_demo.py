import io

import pytest
from django.core.management import CommandError, call_command

from opendvc.catalog import demo
from opendvc.catalog.models import Procedure

REQUIRED = {
    "1.001193": "khai sinh",
    "1.000894": "kết hôn",
    "1.000656": "khai tử",
    "2.000635": "trích lục",
    "2.000815": "chứng thực bản sao từ bản chính",
    "1.001612": "hộ kinh doanh",
    "1.013225": "giấy phép xây dựng",
    "3.000333": "lý lịch tư pháp",
}


def test_seed_loads_the_real_procedures_once(catalog):
    assert Procedure.objects.filter(is_synthetic=False, status="published").count() == 78
    before = list(Procedure.objects.values_list("code", "import_hash", "current_version_id"))
    out = io.StringIO()
    demo.seed(stdout=out)
    assert "78 không đổi" in out.getvalue()
    assert (
        list(Procedure.objects.values_list("code", "import_hash", "current_version_id")) == before
    )


def test_seeded_catalog_covers_what_the_regulation_asks(catalog):
    for code, words in REQUIRED.items():
        assert words in Procedure.objects.get(code=code).name.lower()
    assert Procedure.objects.values("field").distinct().count() >= 8
    assert Procedure.objects.filter(tiers__code="tinh").exists()
    assert Procedure.objects.filter(tiers__code="xa").exists()
    assert not Procedure.objects.filter(source_url="").exists()
    # Nothing invented: the source gives no level, so every level is marked derived.
    assert not Procedure.objects.exclude(level_source="derived").exists()
    birth = Procedure.objects.get(code="1.001193")
    assert birth.agencies.filter(tier__code="xa").count() == 6
    justice = Procedure.objects.get(code="3.000333")
    assert [a.short_name for a in justice.agencies.all()] == ["Công an tỉnh"]  # as the source says


def test_generate_load_data_is_flagged_synthetic(agencies, settings):
    settings.DEBUG = True
    out = io.StringIO()
    call_command("generate_load_data", count=30, no_progress=True, stdout=out)
    synthetic = Procedure.objects.filter(is_synthetic=True)
    assert synthetic.count() == 30
    assert all(p.code.startswith("SYN-") and "giả lập" in p.name for p in synthetic)
    assert synthetic.filter(status="published").count() == 30
    call_command("generate_load_data", delete=True, stdout=out)
    assert not Procedure.objects.filter(is_synthetic=True).exists()


def test_generate_load_data_refuses_production_without_force(agencies, settings):
    settings.DJANGO_ENV = "production"
    with pytest.raises(CommandError, match="--force"):
        call_command("generate_load_data", count=1, no_progress=True)
    with pytest.raises(CommandError, match="--force"):
        call_command("generate_load_data", dossiers=1, no_progress=True)


def test_generate_load_data_runs_on_the_embedded_default(agencies, settings):
    settings.DEBUG = False
    settings.DJANGO_ENV = "development"
    call_command("generate_load_data", count=3, no_progress=True, stdout=io.StringIO())
    assert Procedure.objects.filter(is_synthetic=True).count() == 3
