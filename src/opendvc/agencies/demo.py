"""Demo agencies of Đồng Nai: the provincial People's Committee, its departments and six wards/communes.

Names are the real ones (the wards and communes from the official list after 1 July 2025, via the
``vietnam-provinces`` package). Codes follow the QCVN 102:2016 shape; the provincial committee's code
``000.00.00.H19`` is the published one, the others are numbered in that shape for the demo.
"""

from __future__ import annotations

from .models import Agency, Tier

TIERS = [
    ("bo", "Cấp bộ, ngành trung ương", 0),
    ("tinh", "Cấp tỉnh", 1),
    ("xa", "Cấp xã", 2),
]

PROVINCE = (
    "000.00.00.H19",
    "Ủy ban nhân dân tỉnh Đồng Nai",
    "UBND tỉnh",
    "https://www.dongnai.gov.vn",
)

# (code, name, short name)
DEPARTMENTS = [
    ("000.00.32.H19", "Sở Tư pháp tỉnh Đồng Nai", "Sở Tư pháp"),
    ("000.00.33.H19", "Sở Xây dựng tỉnh Đồng Nai", "Sở Xây dựng"),
    ("000.00.34.H19", "Sở Tài chính tỉnh Đồng Nai", "Sở Tài chính"),
    ("000.00.35.H19", "Sở Nông nghiệp và Môi trường tỉnh Đồng Nai", "Sở Nông nghiệp và Môi trường"),
    ("000.00.36.H19", "Sở Nội vụ tỉnh Đồng Nai", "Sở Nội vụ"),
    ("000.00.37.H19", "Sở Y tế tỉnh Đồng Nai", "Sở Y tế"),
    ("000.00.38.H19", "Sở Công Thương tỉnh Đồng Nai", "Sở Công Thương"),
    ("000.00.39.H19", "Sở Giáo dục và Đào tạo tỉnh Đồng Nai", "Sở Giáo dục và Đào tạo"),
    ("000.00.40.H19", "Sở Khoa học và Công nghệ tỉnh Đồng Nai", "Sở Khoa học và Công nghệ"),
    ("000.00.41.H19", "Công an tỉnh Đồng Nai", "Công an tỉnh"),
]

WARDS = [
    ("000.21.00.H19", "Phường Biên Hòa"),
    ("000.22.00.H19", "Phường Trấn Biên"),
    ("000.23.00.H19", "Phường Tam Hiệp"),
    ("000.24.00.H19", "Phường Long Bình"),
    ("000.25.00.H19", "Xã Nhơn Trạch"),
    ("000.26.00.H19", "Xã Đại Phước"),
]

DEFAULT_HOURS = [["07:30", "11:30"], ["13:00", "17:00"]]


def seed(stdout=None) -> None:
    tiers = {}
    for code, name, rank in TIERS:
        tiers[code], _ = Tier.objects.update_or_create(
            code=code, defaults={"name": name, "rank": rank}
        )
    code, name, short, website = PROVINCE
    province, _ = Agency.objects.update_or_create(
        code=code,
        defaults={
            "name": name,
            "short_name": short,
            "tier": tiers["tinh"],
            "website": website,
            "address": "Số 2 Nguyễn Văn Trị, phường Trấn Biên, tỉnh Đồng Nai",
            "hotline": "1022",
            "email": "ubnd@dongnai.gov.vn",
        },
    )
    for code, name, short in DEPARTMENTS:
        Agency.objects.update_or_create(
            code=code,
            defaults={"name": name, "short_name": short, "tier": tiers["tinh"], "parent": province},
        )
    for code, ward in WARDS:
        Agency.objects.update_or_create(
            code=code,
            defaults={
                "name": f"Ủy ban nhân dân {ward[0].lower()}{ward[1:]}",
                "short_name": f"UBND {ward}",
                "tier": tiers["xa"],
                "parent": province,
                "address": f"{ward}, tỉnh Đồng Nai",
            },
        )
    if stdout:
        stdout.write(f"  {Agency.objects.count()} cơ quan")
