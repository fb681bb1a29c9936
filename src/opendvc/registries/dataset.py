"""A small, realistic dataset of the national registries, made by the suite (never real people).

The population database and the business registry simulators both serve it. Citizens get a valid
CCCD (DOMAIN: province of birth registration 075 = Đồng Nai, century/gender digit, two digits of the
birth year, six digits), a Vietnamese name, a date of birth, a permanent and a current residence in
Đồng Nai wards (codes of ``vietnam_provinces``) and a household; businesses get a 10-digit tax code, a
name, an address, a legal representative (one of the citizens) and a status.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

DONG_NAI = 75
# (ward code, ward name) — wards of Đồng Nai after the 2025 reorganisation.
WARDS = [
    (26068, "Phường Biên Hòa"),
    (26041, "Phường Trấn Biên"),
    (26017, "Phường Tam Hiệp"),
    (26020, "Phường Long Bình"),
    (25993, "Phường Trảng Dài"),
    (26005, "Phường Hố Nai"),
    (26491, "Xã Đại Phước"),
    (26485, "Xã Nhơn Trạch"),
]
STREETS = [
    "Phạm Văn Thuận",
    "Võ Thị Sáu",
    "Đồng Khởi",
    "Nguyễn Ái Quốc",
    "Huỳnh Văn Nghệ",
    "Bùi Văn Hòa",
    "Hà Huy Giáp",
    "Cách Mạng Tháng Tám",
    "Nguyễn Văn Trị",
    "Phan Trung",
]
FAMILY = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Ngô",
]
MIDDLE_M = ["Văn", "Minh", "Quốc", "Đức", "Hữu", "Thành"]
MIDDLE_F = ["Thị", "Ngọc", "Thu", "Thanh", "Kim", "Mỹ"]
GIVEN_M = ["An", "Bình", "Cường", "Dũng", "Hùng", "Khoa", "Long", "Nam", "Phúc", "Tuấn"]
GIVEN_F = ["Hoa", "Lan", "Mai", "Ngân", "Oanh", "Phương", "Quyên", "Trang", "Vy", "Yến"]
TRADES = ["Tạp hóa", "Cà phê", "Cơ khí", "Vận tải", "Nội thất", "May mặc", "Nông sản", "Điện máy"]
BUSINESS_STATUS = ["active", "active", "active", "suspended", "closed"]


@dataclass(frozen=True)
class Person:
    cccd: str
    full_name: str
    date_of_birth: date
    gender: str  # "male" / "female" (the e-forms' values)
    permanent_address: dict
    current_address: dict
    household_id: str
    household_head_cccd: str
    relation_to_head: str

    def as_json(self) -> dict:
        return {
            "cccd": self.cccd,
            "full_name": self.full_name,
            "date_of_birth": self.date_of_birth.isoformat(),
            "gender": self.gender,
            "permanent_address": self.permanent_address,
            "current_address": self.current_address,
            "household": {
                "id": self.household_id,
                "head_cccd": self.household_head_cccd,
                "relation_to_head": self.relation_to_head,
            },
        }


@dataclass(frozen=True)
class Business:
    tax_code: str
    name: str
    address: dict
    representative: str
    representative_cccd: str
    status: str

    def as_json(self) -> dict:
        return {
            "tax_code": self.tax_code,
            "name": self.name,
            "address": self.address,
            "legal_representative": {
                "full_name": self.representative,
                "cccd": self.representative_cccd,
            },
            "status": self.status,
        }


def cccd_for(*, birth: date, gender: str, serial: int, province: int = DONG_NAI) -> str:
    """A CCCD of the shape DOMAIN describes: province, century/gender digit, year, six digits."""
    century = (birth.year // 100) - 19  # 1900s → 0, 2000s → 1
    digit = century * 2 + (1 if gender == "female" else 0)
    return f"{province:03d}{digit}{birth.year % 100:02d}{serial:06d}"


def _address(rng: random.Random) -> dict:
    ward, _name = rng.choice(WARDS)
    return {
        "province": DONG_NAI,
        "ward": ward,
        "street": f"Số {rng.randint(1, 250)}, đường {rng.choice(STREETS)}",
    }


def _name(rng: random.Random, gender: str, family: str | None = None) -> str:
    middle = MIDDLE_F if gender == "female" else MIDDLE_M
    given = GIVEN_F if gender == "female" else GIVEN_M
    return f"{family or rng.choice(FAMILY)} {rng.choice(middle)} {rng.choice(given)}"


def build(
    *, households: int = 12, businesses: int = 8, seed: int = 2026
) -> tuple[list[Person], list[Business]]:
    """Households of two parents (sometimes a grandparent), deterministic for a given ``seed``."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not a secret
    # The demo citizen of ``accounts.demo`` (citizen1) and his household come first, so the demo's
    # prefill finds him.
    home = {"province": DONG_NAI, "ward": 26068, "street": "12 Võ Thị Sáu"}
    people: list[Person] = [
        Person(
            cccd="075090001234",
            full_name="Nguyễn Văn An",
            date_of_birth=date(1990, 4, 15),
            gender="male",
            permanent_address=home,
            current_address=home,
            household_id="HK075000000",
            household_head_cccd="075090001234",
            relation_to_head="Chủ hộ",
        ),
        Person(
            cccd="075192004321",
            full_name="Trần Thị Bích Ngọc",
            date_of_birth=date(1992, 8, 2),
            gender="female",
            permanent_address=home,
            current_address=home,
            household_id="HK075000000",
            household_head_cccd="075090001234",
            relation_to_head="Vợ",
        ),
    ]
    serial = 1
    for h in range(households):
        home = _address(rng)
        moved = rng.random() < 0.25
        current = _address(rng) if moved else home
        household_id = f"HK{DONG_NAI:03d}{h + 1:06d}"
        family = rng.choice(FAMILY)
        members = [("male", "Chủ hộ", family), ("female", "Vợ", None)]
        if rng.random() < 0.3:
            members.append(("female", "Mẹ", family))
        head_cccd = ""
        for gender, relation, fam in members:
            year = rng.randint(1950, 1965) if relation == "Mẹ" else rng.randint(1985, 2002)
            birth = date(year, rng.randint(1, 12), rng.randint(1, 28))
            cccd = cccd_for(birth=birth, gender=gender, serial=serial)
            serial += 1
            head_cccd = head_cccd or cccd
            people.append(
                Person(
                    cccd=cccd,
                    full_name=_name(rng, gender, fam),
                    date_of_birth=birth,
                    gender=gender,
                    permanent_address=home,
                    current_address=current,
                    household_id=household_id,
                    household_head_cccd=head_cccd,
                    relation_to_head=relation,
                )
            )
    # The demo organisation of ``accounts.demo``, its legal representative the demo's citizen2, comes
    # first, so that its tax code can be verified against the registry.
    firms: list[Business] = [
        Business(
            tax_code="3603999001",
            name="Công ty TNHH Dịch vụ Demo Đồng Nai",
            address={"province": DONG_NAI, "ward": 26041, "street": "45 Phạm Văn Thuận"},
            representative="Trần Thị Bình",
            representative_cccd="075301004567",
            status="active",
        )
    ]
    for b in range(businesses):
        owner = people[rng.randrange(len(people))]
        trade = rng.choice(TRADES)
        firms.append(
            Business(
                tax_code=f"36{rng.randint(0, 99_999_999):08d}",
                name=f"Hộ kinh doanh {trade} {owner.full_name.split()[-1]}"
                if b % 2
                else f"Công ty TNHH {trade} {rng.choice(STREETS)}",
                address=_address(rng),
                representative=owner.full_name,
                representative_cccd=owner.cccd,
                status=BUSINESS_STATUS[b % len(BUSINESS_STATUS)],
            )
        )
    return people, firms
