"""Make the cut fonts of the PDF documents again (``python -m opendvc.core.pdf_fonts.make [folder of
the DejaVu fonts]``) with fontTools' subsetter: the characters of ``RANGES``, every layout feature
(kerning, the placing of Vietnamese tone marks), no hinting (the PDF engine drops it).
"""

from __future__ import annotations

import sys
from pathlib import Path

from . import FACES, FOLDER, STAMP

# What Vietnamese documents print: ASCII, Latin-1 and Latin Extended-A (Ă Đ Ĩ Ũ), Ơ and Ư, the letters
# with tone marks (U+1EA0–U+1EF9), the spacing and combining accents (text typed in
# decomposed form), general punctuation, currency signs (₫, €), № and ™, four arrows, the minus, ≤ ≥,
# squares and circles, ballot boxes and check marks (the forms' check boxes). Every other character is
# printed with the full font: each glyph kept here costs at every document.
RANGES = (
    (0x0020, 0x007E), (0x00A0, 0x017F), (0x01A0, 0x01B0), (0x02C6, 0x02DD), (0x0300, 0x036F),
    (0x1EA0, 0x1EF9),
    (0x2000, 0x206F), (0x20A0, 0x20CF), (0x2116, 0x2116), (0x2122, 0x2122), (0x2190, 0x2193),
    (0x2212, 0x2212), (0x2264, 0x2265), (0x25A0, 0x25A1), (0x25CB, 0x25CB), (0x25CF, 0x25CF),
    (0x2610, 0x2612), (0x2713, 0x2718), (0xFFFD, 0xFFFD),
)

# The system font each face is cut from.
SOURCES = {
    "DejaVuSansVN.ttf": "DejaVuSans.ttf",
    "DejaVuSansVN-Bold.ttf": "DejaVuSans-Bold.ttf",
    "DejaVuSansVN-Oblique.ttf": "DejaVuSans-Oblique.ttf",
    "DejaVuSansVN-BoldOblique.ttf": "DejaVuSans-BoldOblique.ttf",
    "DejaVuSansMonoVN.ttf": "DejaVuSansMono.ttf",
    "DejaVuSansMonoVN-Bold.ttf": "DejaVuSansMono-Bold.ttf",
}


# The signature stamp's font (``STAMP``): what a stamp prints (the signer's name, title and agency, the
# time), precomposed Vietnamese letters only, without layout tables: the signing library embeds it
# whole at each signature, with no subsetting and no shaping (see ``signing.services``).
STAMP_RANGES = (
    (0x0020, 0x007E), (0x00A0, 0x00FF), (0x0102, 0x0103), (0x0110, 0x0111), (0x0128, 0x0129),
    (0x0168, 0x0169), (0x01A0, 0x01A1), (0x01AF, 0x01B0), (0x1EA0, 0x1EF9),
    (0x2013, 0x2014), (0x2018, 0x2019), (0x201C, 0x201D), (0x2026, 0x2026), (0x2116, 0x2116),
)
STAMP_SOURCE = "DejaVuSans.ttf"


def codepoints(ranges=RANGES) -> list[int]:
    return [c for low, high in ranges for c in range(low, high + 1)]


def make_stamp(source_folder: Path, *, out: Path = FOLDER) -> Path:
    from fontTools import subset
    from fontTools.ttLib import TTFont
    from fontTools.ttLib.scaleUpem import scale_upem

    options = subset.Options()
    options.layout_features = []
    options.hinting = False
    options.notdef_outline = True
    options.drop_tables += ["FFTM", "MATH", "GSUB", "GPOS", "GDEF", "kern"]
    font = TTFont(source_folder / STAMP_SOURCE)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=codepoints(STAMP_RANGES))
    subsetter.subset(font)
    # 1,000 units to the em, as PDF measures glyph widths: the signing library writes the font's own
    # advances as the PDF widths (with DejaVu's 2,048 units the letters stood twice as far apart).
    scale_upem(font, 1000)
    font.save(out / STAMP)
    return out / STAMP


def make(source_folder: Path, *, out: Path = FOLDER) -> list[Path]:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.layout_features = ["*"]
    options.hinting = False
    # The names and the copyright notice (name IDs 0-6); the licence is the file beside the fonts.
    options.notdef_outline = True
    options.drop_tables += ["FFTM", "MATH"]
    made = []
    for _family, name, _weight, _style in FACES:
        font = TTFont(source_folder / SOURCES[name])
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=codepoints())
        subsetter.subset(font)
        font.save(out / name)
        made.append(out / name)
    return made


if __name__ == "__main__":
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "/usr/share/fonts/truetype/dejavu")
    for path in [*make(folder), make_stamp(folder)]:
        print(f"{path.name}: {path.stat().st_size:,} bytes")
