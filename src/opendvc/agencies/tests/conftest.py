import pytest

from opendvc.accounts.tests.factories import AgencyFactory, TierFactory


@pytest.fixture
def tree(db):
    """Province → department → sub-unit, plus another department."""
    tinh = TierFactory()
    province = AgencyFactory(code="000.00.00.H19", name="UBND tỉnh", tier=tinh)
    dept = AgencyFactory(code="000.00.32.H19", name="Sở Tư pháp", parent=province, tier=tinh)
    sub = AgencyFactory(
        code="000.01.32.H19", name="Trung tâm Dịch vụ đấu giá", parent=dept, tier=tinh
    )
    other = AgencyFactory(code="000.00.33.H19", name="Sở Xây dựng", parent=province, tier=tinh)
    return {"province": province, "own": dept, "sub": sub, "other": other}
