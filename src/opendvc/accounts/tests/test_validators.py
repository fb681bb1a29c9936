import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from opendvc.accounts.validators import (
    CCCD_PROVINCE_CODES,
    normalize_phone,
    normalize_tax_code,
    validate_address,
    validate_cccd,
    validate_date_of_birth,
)


def _code(fn, *args, **kwargs):
    with pytest.raises(ValidationError) as exc:
        fn(*args, **kwargs)
    return exc.value.code


class TestCCCD:
    def test_valid_male_1990_dong_nai(self):
        assert (
            validate_cccd("075 090 123 456", date_of_birth=dt.date(1990, 5, 1), gender="male")
            == "075090123456"
        )

    def test_valid_female_2003(self):
        assert validate_cccd("079303000111", date_of_birth=dt.date(2003, 1, 2), gender="female")

    @pytest.mark.parametrize("value", ["07509012345", "0750901234567", "07509012345a", ""])
    def test_shape(self, value):
        assert _code(validate_cccd, value) == "invalid_cccd"

    def test_unknown_province(self):
        with pytest.raises(ValidationError) as exc:
            validate_cccd("003090123456")
        assert "003" in exc.value.messages[0]

    def test_birth_year_mismatch(self):
        with pytest.raises(ValidationError) as exc:
            validate_cccd("075090123456", date_of_birth=dt.date(1991, 1, 1), gender="male")
        assert "1990" in exc.value.messages[0] and "1991" in exc.value.messages[0]

    def test_century_digit(self):
        # digit 2 = male born in the 2000s: 075 2 05 ... is 2005, not 1905
        validate_cccd("075205123456", date_of_birth=dt.date(2005, 1, 1), gender="male")
        assert (
            _code(validate_cccd, "075205123456", date_of_birth=dt.date(1905, 1, 1), gender="male")
            == "invalid_cccd"
        )

    def test_gender_mismatch(self):
        with pytest.raises(ValidationError) as exc:
            validate_cccd("075090123456", date_of_birth=dt.date(1990, 1, 1), gender="female")
        assert "nam" in exc.value.messages[0]

    @given(
        province=st.sampled_from(sorted(CCCD_PROVINCE_CODES)),
        year=st.integers(min_value=1900, max_value=2099),
        female=st.booleans(),
        rest=st.integers(min_value=0, max_value=999_999),
    )
    def test_property_consistent_numbers_validate(self, province, year, female, rest):
        digit = (0 if year < 2000 else 2) + (1 if female else 0)
        number = f"{province}{digit}{year % 100:02d}{rest:06d}"
        gender = "female" if female else "male"
        assert validate_cccd(number, date_of_birth=dt.date(year, 6, 1), gender=gender) == number
        with pytest.raises(ValidationError):
            validate_cccd(
                number, date_of_birth=dt.date(year, 6, 1), gender="male" if female else "female"
            )


class TestPhone:
    @pytest.mark.parametrize(
        "raw,expected",
        [
            ("0912345678", "0912345678"),
            ("0912 345 678", "0912345678"),
            ("0912.345.678", "0912345678"),
            ("+84 912 345 678", "0912345678"),
            ("84912345678", "0912345678"),
            ("0386123456", "0386123456"),
            ("02513822222", "02513822222"),
            ("(0251) 382 2222", "02513822222"),
        ],
    )
    def test_valid(self, raw, expected):
        assert normalize_phone(raw) == expected

    @pytest.mark.parametrize(
        "raw",
        ["", "12345", "0112345678", "091234567", "09123456789", "0212345678", "abc0912345678"],
    )
    def test_invalid(self, raw):
        assert _code(normalize_phone, raw) == "invalid_phone"


class TestTaxCode:
    @pytest.mark.parametrize(
        "raw,expected",
        [
            ("3600252847", "3600252847"),
            ("3600252847-001", "3600252847-001"),
            ("3600252847001", "3600252847-001"),
        ],
    )
    def test_valid(self, raw, expected):
        assert normalize_tax_code(raw) == expected

    @pytest.mark.parametrize(
        "raw", ["", "360025284", "36002528470", "3600252847-01", "360025284A", "3600252847-0012"]
    )
    def test_invalid(self, raw):
        assert _code(normalize_tax_code, raw) == "invalid_tax_code"


def test_dob_in_future():
    assert (
        _code(validate_date_of_birth, dt.date(2030, 1, 1), today=dt.date(2026, 1, 1))
        == "dob_in_future"
    )
    validate_date_of_birth(dt.date(2026, 1, 1), today=dt.date(2026, 1, 1))


class TestAddress:
    def test_current_units(self):
        validate_address(province_code=75, ward_code=26068)  # Phường Biên Hòa, Đồng Nai

    def test_ward_of_other_province(self):
        assert _code(validate_address, province_code=79, ward_code=26068) == "invalid_ward"

    def test_unknown_province(self):
        assert (
            _code(validate_address, province_code=74, ward_code=None) == "invalid_province"
        )  # Bình Dương merged in 2025

    def test_ward_required(self):
        assert _code(validate_address, province_code=75, ward_code=None) == "ward_required"

    def test_legacy_record_accepted(self):
        validate_address(province_code=74, ward_code=25741, legacy_district="Thành phố Thủ Dầu Một")


def test_unit_lists_sorted_the_vietnamese_way():
    from opendvc.accounts.validators import province_choices, ward_choices

    names = [n for _c, n in province_choices()]
    assert names.index("Thành phố Hồ Chí Minh") < names.index("Khánh Hòa")  # by the proper name
    assert names.index("Đồng Nai") < names.index("Gia Lai")  # Đ right after D, not at the end
    wards = [n for _c, n in ward_choices(75)]
    assert len(wards) == 95 and wards.index("Phường Biên Hòa") < wards.index("Phường Long Bình")
    assert ward_choices(None) == []
