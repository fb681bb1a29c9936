"""The demo's police and social insurance offices of Phường Biên Hòa, made before the catalog is
imported: the import links the procedures published for "Công an cấp xã" to the wards' police offices
(``catalog.services.match_agencies``), so an office made after it would change those procedures at the
next import, and seeding twice would not be idempotent."""

from __future__ import annotations


def seed(stdout=None) -> None:
    from .demo import member_agencies

    offices = member_agencies()
    if stdout:
        stdout.write(f"  {len(offices)} cơ quan liên thông cấp xã")
