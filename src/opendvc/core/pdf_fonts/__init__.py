"""The fonts of the PDF documents: DejaVu Sans and DejaVu Sans Mono cut to the characters Vietnamese
documents print (``make.RANGES``), kept in this folder as "DejaVu Sans VN" and "DejaVu Sans Mono VN".

The PDF engine embeds only the glyphs a document uses, and cutting them out of a font costs in
proportion to the font's size: with the full DejaVu Sans (about 6,000 glyphs, 760 KB) that was about
a twentieth of a receipt's rendering, with the cut one (750 glyphs, 56 KB) a few tenths of a
millisecond. The glyphs, their metrics and the layout tables are the font's own: a page is drawn the
same, pixel for pixel.

A character the cut fonts do not have (another script, a symbol) falls back to the full DejaVu Sans
and then to whatever the system has: the templates name ``"DejaVu Sans VN", "DejaVu Sans",
sans-serif``. ``python -m opendvc.core.pdf_fonts.make`` makes the files again from the system's
DejaVu fonts (Debian's ``fonts-dejavu-core``). The fonts' licence is ``LICENSE`` in this folder.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

FOLDER = Path(__file__).resolve().parent

# (family, file, weight, style): the faces the documents use.
FACES: tuple[tuple[str, str, str, str], ...] = (
    ("DejaVu Sans VN", "DejaVuSansVN.ttf", "normal", "normal"),
    ("DejaVu Sans VN", "DejaVuSansVN-Bold.ttf", "bold", "normal"),
    ("DejaVu Sans VN", "DejaVuSansVN-Oblique.ttf", "normal", "italic"),
    ("DejaVu Sans VN", "DejaVuSansVN-BoldOblique.ttf", "bold", "italic"),
    ("DejaVu Sans Mono VN", "DejaVuSansMonoVN.ttf", "normal", "normal"),
    ("DejaVu Sans Mono VN", "DejaVuSansMonoVN-Bold.ttf", "bold", "normal"),
)

# The signature stamp's font: DejaVu Sans cut to ASCII and the precomposed Vietnamese letters, without
# layout tables (``make.STAMP_RANGES``).
STAMP = "DejaVuSansVN-Stamp.ttf"


@cache
def faces_css() -> str:
    """The ``@font-face`` rules of the cut fonts, by absolute ``file:`` URL (the engine loads them
    once per font configuration); made once per process."""
    return "".join(
        f'@font-face {{ font-family: "{family}"; src: url("{(FOLDER / name).as_uri()}"); '
        f"font-weight: {weight}; font-style: {style}; }}\n"
        for family, name, weight, style in FACES
    )
