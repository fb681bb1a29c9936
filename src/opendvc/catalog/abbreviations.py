"""Abbreviations that people type in the catalog search, each with what it stands for.

Only abbreviations in established use in Vietnamese administration (on forms, in legal texts'
lists of abbreviations, on the national public-service portal) are listed, none coined here. A query
word equal to one of them (with or without diacritics: "đkkd" and "dkkd" alike) matches a procedure
whose text has a word beginning with the abbreviation, as any word does, or whose name or field has
an expansion as a phrase (whole words in a row); see ``search.py``. The legal texts are not searched
for the expansion: their column keeps each word once, not the phrases.

An expansion is written as a procedure's name writes it; both sides are folded (``text.fold``) when
compared, so diacritics and ``y``/``i`` do not matter.
"""

from __future__ import annotations

from .text import fold

ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "ATTP": ("an toàn thực phẩm",),
    "BHTN": ("bảo hiểm thất nghiệp",),
    "BHXH": ("bảo hiểm xã hội",),
    "BHYT": ("bảo hiểm y tế",),
    # Luật Căn cước 2023 (26/2023/QH15, in force from 01/07/2024) renamed the citizen's identity
    # card "thẻ căn cước"; people still call it CCCD, and the procedures use the new name.
    "CCCD": ("căn cước công dân", "thẻ căn cước"),
    "CMND": ("chứng minh nhân dân",),
    "CTCP": ("công ty cổ phần",),
    "DVC": ("dịch vụ công",),
    "ĐKKD": ("đăng ký kinh doanh",),
    "GCN": ("giấy chứng nhận",),
    "GCNQSDĐ": ("giấy chứng nhận quyền sử dụng đất",),
    "GPLX": ("giấy phép lái xe",),
    "GPXD": ("giấy phép xây dựng",),
    "HĐND": ("hội đồng nhân dân",),
    "HKD": ("hộ kinh doanh",),
    "HTX": ("hợp tác xã",),
    "LLTP": ("lý lịch tư pháp",),
    "MST": ("mã số thuế",),
    "QSDĐ": ("quyền sử dụng đất",),
    "TNCN": ("thu nhập cá nhân",),
    "TNHH": ("trách nhiệm hữu hạn",),
    "TTHC": ("thủ tục hành chính",),
    "UBND": ("ủy ban nhân dân",),
    "XNK": ("xuất nhập khẩu",),
}

# Folded abbreviation -> folded expansions ("bhit" -> ("bao hiem i te",)).
EXPANSIONS: dict[str, tuple[str, ...]] = {
    fold(short): tuple(fold(long) for long in expansions)
    for short, expansions in ABBREVIATIONS.items()
}


def expansions(word: str) -> tuple[str, ...]:
    """What the folded query ``word`` stands for (folded), or nothing when it is no abbreviation."""
    return EXPANSIONS.get(word, ())


__all__ = ["ABBREVIATIONS", "EXPANSIONS", "expansions"]
