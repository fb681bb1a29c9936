"""Validation and normalisation of Vietnamese identifiers: CCCD, phone numbers, tax codes, addresses.

Every error carries a stable ``code`` (used as the problem+json ``code`` in the API) and a precise
Vietnamese message (shown on the form field).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from difflib import SequenceMatcher
from functools import lru_cache

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from opendvc.core.collation import sort_key

# Province-of-registration codes in the CCCD number (Circular 07/2016/TT-BCA, Art. 7; kept by
# Circular 59/2021/TT-BCA): the 63 provinces as they were when the numbers were issued. The 2025
# merger of provinces did not change numbers already issued, so the old list stays the valid one.
CCCD_PROVINCE_CODES: dict[str, str] = {
    "001": "Hà Nội",
    "002": "Hà Giang",
    "004": "Cao Bằng",
    "006": "Bắc Kạn",
    "008": "Tuyên Quang",
    "010": "Lào Cai",
    "011": "Điện Biên",
    "012": "Lai Châu",
    "014": "Sơn La",
    "015": "Yên Bái",
    "017": "Hòa Bình",
    "019": "Thái Nguyên",
    "020": "Lạng Sơn",
    "022": "Quảng Ninh",
    "024": "Bắc Giang",
    "025": "Phú Thọ",
    "026": "Vĩnh Phúc",
    "027": "Bắc Ninh",
    "030": "Hải Dương",
    "031": "Hải Phòng",
    "033": "Hưng Yên",
    "034": "Thái Bình",
    "035": "Hà Nam",
    "036": "Nam Định",
    "037": "Ninh Bình",
    "038": "Thanh Hóa",
    "040": "Nghệ An",
    "042": "Hà Tĩnh",
    "044": "Quảng Bình",
    "045": "Quảng Trị",
    "046": "Thừa Thiên Huế",
    "048": "Đà Nẵng",
    "049": "Quảng Nam",
    "051": "Quảng Ngãi",
    "052": "Bình Định",
    "054": "Phú Yên",
    "056": "Khánh Hòa",
    "058": "Ninh Thuận",
    "060": "Bình Thuận",
    "062": "Kon Tum",
    "064": "Gia Lai",
    "066": "Đắk Lắk",
    "067": "Đắk Nông",
    "068": "Lâm Đồng",
    "070": "Bình Phước",
    "072": "Tây Ninh",
    "074": "Bình Dương",
    "075": "Đồng Nai",
    "077": "Bà Rịa - Vũng Tàu",
    "079": "Hồ Chí Minh",
    "080": "Long An",
    "082": "Tiền Giang",
    "083": "Bến Tre",
    "084": "Trà Vinh",
    "086": "Vĩnh Long",
    "087": "Đồng Tháp",
    "089": "An Giang",
    "091": "Kiên Giang",
    "092": "Cần Thơ",
    "093": "Hậu Giang",
    "094": "Sóc Trăng",
    "095": "Bạc Liêu",
    "096": "Cà Mau",
}

MALE = "male"
FEMALE = "female"

# Century/gender digit (Circular 07/2016/TT-BCA, Art. 7.2): even = male, odd = female;
# 0/1 = 1900s, 2/3 = 2000s, 4/5 = 2100s, 6/7 = 2200s, 8/9 = 2300s.
_CENTURY_BY_DIGIT = {
    0: 1900,
    1: 1900,
    2: 2000,
    3: 2000,
    4: 2100,
    5: 2100,
    6: 2200,
    7: 2200,
    8: 2300,
    9: 2300,
}

CCCD_RE = re.compile(r"^\d{12}$")


def normalize_cccd(value: str) -> str:
    return re.sub(r"[\s.\-]", "", value or "")


def validate_cccd(
    value: str, *, date_of_birth: dt.date | None = None, gender: str | None = None
) -> str:
    """Check a CCCD number's shape, province and consistency with the profile; return it normalised.

    The number has no check digit: 3 digits province of birth registration, 1 century/gender
    digit, 2 digits of the birth year, 6 random digits.
    """
    cccd = normalize_cccd(value)
    if not CCCD_RE.match(cccd):
        raise ValidationError(_("Số CCCD phải gồm đúng 12 chữ số."), code="invalid_cccd")
    if cccd[:3] not in CCCD_PROVINCE_CODES:
        raise ValidationError(
            _(
                "Ba chữ số đầu của số CCCD (%(code)s) không phải mã tỉnh, thành phố nơi đăng ký khai sinh."
            ),
            code="invalid_cccd",
            params={"code": cccd[:3]},
        )
    digit = int(cccd[3])
    year = _CENTURY_BY_DIGIT[digit] + int(cccd[4:6])
    if date_of_birth is not None and date_of_birth.year != year:
        raise ValidationError(
            _(
                "Số CCCD ứng với năm sinh %(cccd_year)s, không khớp với ngày sinh đã khai (năm %(dob_year)s)."
            ),
            code="invalid_cccd",
            params={"cccd_year": year, "dob_year": date_of_birth.year},
        )
    if gender in (MALE, FEMALE):
        cccd_gender = MALE if digit % 2 == 0 else FEMALE
        if cccd_gender != gender:
            raise ValidationError(
                _("Số CCCD ứng với giới tính %(cccd_gender)s, không khớp với giới tính đã khai."),
                code="invalid_cccd",
                params={"cccd_gender": _("nam") if cccd_gender == MALE else _("nữ")},
            )
    return cccd


# Mobile network prefixes in use since the 2018 renumbering (Decision 798/QĐ-BTTTT).
MOBILE_PREFIXES = frozenset(
    [
        "032",
        "033",
        "034",
        "035",
        "036",
        "037",
        "038",
        "039",
        "052",
        "055",
        "056",
        "058",
        "059",
        "070",
        "076",
        "077",
        "078",
        "079",
        "081",
        "082",
        "083",
        "084",
        "085",
        "086",
        "087",
        "088",
        "089",
        "090",
        "091",
        "092",
        "093",
        "094",
        "096",
        "097",
        "098",
        "099",
    ]
)


def normalize_phone(value: str) -> str:
    """Return the national form ``0xxxxxxxxx``; raise ``ValidationError(code="invalid_phone")``.

    Accepts ``0912 345 678``, ``0912.345.678``, ``+84 912 345 678``, ``84912345678`` and
    11-digit landlines ``02xx xxx xxxx``.
    """
    raw = re.sub(r"[\s.\-()]", "", value or "")
    if raw.startswith("+84"):
        raw = "0" + raw[3:]
    elif raw.startswith("84") and len(raw) in (11, 12):
        raw = "0" + raw[2:]
    if re.fullmatch(r"0\d{9}", raw) and raw[:3] in MOBILE_PREFIXES:
        return raw
    if re.fullmatch(r"02\d{9}", raw):
        return raw
    raise ValidationError(
        _(
            "Số điện thoại không hợp lệ: cần số di động 10 chữ số (ví dụ 0912 345 678) hoặc số cố định 11 chữ số bắt đầu bằng 02."
        ),
        code="invalid_phone",
    )


TAX_CODE_RE = re.compile(r"^(\d{10})(?:-?(\d{3}))?$")


def normalize_tax_code(value: str) -> str:
    """10-digit tax code, or 13 digits for a branch (written ``0123456789-001``); return normalised."""
    raw = re.sub(r"\s", "", value or "")
    m = TAX_CODE_RE.match(raw)
    if not m:
        raise ValidationError(
            _(
                "Mã số thuế phải gồm 10 chữ số, hoặc 13 chữ số (10 chữ số, dấu gạch ngang, 3 chữ số) với đơn vị phụ thuộc."
            ),
            code="invalid_tax_code",
        )
    return m.group(1) + (f"-{m.group(2)}" if m.group(2) else "")


def validate_date_of_birth(value: dt.date | None, *, today: dt.date | None = None) -> None:
    if value is None:
        return
    today = today or dt.date.today()
    if value > today:
        raise ValidationError(_("Ngày sinh không được ở tương lai."), code="dob_in_future")
    if value.year < 1900:
        raise ValidationError(
            _("Ngày sinh phải từ năm 1900 trở về sau."), code="invalid_date_of_birth"
        )


# --- Administrative units -------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _units():
    # Imported on first use: the administrative units' tables are large and only address checks need them.
    from vietnam_provinces import Province, Ward

    provinces = {int(p.code): p.name for p in Province.iter_all()}
    wards = {int(w.code): (w.name, int(w.province_code)) for w in Ward.iter_all()}
    return provinces, wards


_UNIT_PREFIXES = ("Thành phố ", "Tỉnh ", "Phường ", "Xã ", "Đặc khu ")


def vi_sort_key(name: str) -> tuple[str, str]:
    """Alphabetical order as Vietnamese readers expect: by the proper name (without "Thành phố",
    "Phường"…), in the Vietnamese alphabet (a ă â … d đ … o ô ơ … u ư, tone marks second)."""
    bare = " ".join(name.split())
    for prefix in _UNIT_PREFIXES:
        if bare.startswith(prefix):
            bare = bare[len(prefix) :]
            break
    return sort_key(bare), bare


def province_choices() -> list[tuple[int, str]]:
    provinces, _w = _units()
    return sorted(provinces.items(), key=lambda kv: vi_sort_key(kv[1]))


def ward_choices(province_code: int | None) -> list[tuple[int, str]]:
    _p, wards = _units()
    found = (
        (code, " ".join(name.split()))
        for code, (name, prov) in wards.items()
        if prov == province_code
    )
    return sorted(found, key=lambda kv: vi_sort_key(kv[1]))


def province_name(code: int | None) -> str:
    return _units()[0].get(code or 0, "")


def ward_name(code: int | None) -> str:
    entry = _units()[1].get(code or 0)
    return entry[0] if entry else ""


def validate_address(
    *, province_code: int | None, ward_code: int | None, legacy_district: str = "", field: str = ""
) -> None:
    """A current (two-tier, since 1 July 2025) province and ward; records made before the reform
    keep their old district (``legacy_district``) and ward names and are accepted as they are."""
    provinces, wards = _units()
    if legacy_district:
        return
    if province_code is None and ward_code is None:
        return
    if province_code not in provinces:
        raise ValidationError(
            _("Tỉnh, thành phố không có trong danh mục đơn vị hành chính hiện hành."),
            code="invalid_province",
        )
    if ward_code is None:
        raise ValidationError(_("Vui lòng chọn phường, xã."), code="ward_required")
    entry = wards.get(ward_code)
    if entry is None or entry[1] != province_code:
        raise ValidationError(
            _("Phường, xã đã chọn không thuộc %(province)s."),
            code="invalid_ward",
            params={"province": provinces[province_code]},
        )


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's minimum password length, its error worded by the portal: Django 5.2 changed the
    message's placeholder and its bundled Vietnamese catalogue still has the old text, so a short
    password was refused in English on Vietnamese pages."""

    def get_error_message(self) -> str:
        return ngettext(
            "Mật khẩu quá ngắn: cần ít nhất %(min_length)d ký tự.",
            "Mật khẩu quá ngắn: cần ít nhất %(min_length)d ký tự.",
            self.min_length,
        ) % {"min_length": self.min_length}


def _unaccented(text: str) -> str:
    """``text`` in lower case without Vietnamese accents (“Trần Thị Bình” → “tran thi binh”)."""
    text = (text or "").lower().replace("đ", "d")
    return "".join(
        c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
    )


class PersonalDataSimilarityValidator(password_validation.UserAttributeSimilarityValidator):
    """No password too close to the person's own data: their email, full name and phone number, as
    the password field's help promises (“không quá giống thông tin cá nhân”). Django's validator
    looks at ``username``, ``first_name`` and ``last_name``, which this portal's accounts do not
    have, so a password that was the person's name (“Trần Thị Bình”, or “tranthibinh”) or their
    phone number with a letter added was taken. Names are compared with and without their accents;
    the refusal names the datum in the page's language."""

    DEFAULT_USER_ATTRIBUTES = ("email", "full_name", "phone")
    LABELS = {"email": _("email"), "full_name": _("họ và tên"), "phone": _("số điện thoại")}

    def __init__(self, user_attributes=DEFAULT_USER_ATTRIBUTES, max_similarity=0.7):
        super().__init__(user_attributes=user_attributes, max_similarity=max_similarity)

    def validate(self, password, user=None):
        if not user:
            return
        typed = {password.lower(), _unaccented(password)}
        for name in self.user_attributes:
            value = getattr(user, name, None)
            if not value or not isinstance(value, str):
                continue
            for whole in {value.lower(), _unaccented(value)}:
                for part in [*re.split(r"\W+", whole), whole]:
                    if any(self._close(p, part) for p in typed):
                        raise ValidationError(
                            self.get_error_message(),
                            code="password_too_similar",
                            params={"verbose_name": str(self.LABELS.get(name, name))},
                        )

    def _close(self, password: str, part: str) -> bool:
        if not part or password_validation.exceeds_maximum_length_ratio(
            password, self.max_similarity, part
        ):
            return False
        return SequenceMatcher(a=password, b=part).quick_ratio() >= self.max_similarity
