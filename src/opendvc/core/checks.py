"""System checks of what the machine provides (``manage.py check --deploy``).

The PDF engine (WeasyPrint) embeds in every receipt, notice and result only the glyphs the document
uses. With HarfBuzz's subsetting library (Debian's ``libharfbuzz-subset0``) that cut costs little;
without it the engine falls back to fontTools and a one-page result takes about seven times as long
to render (124 ms of CPU against 16 ms, docs/performance.md), which triples the CPU of a leader's
approval. The documents are the same either way, so this is a warning, given at deployment.

The personal data at rest (``FIELD_ENCRYPTION_KEYS``) must not be encrypted with the development key
embedded in the source: anyone who reads the repository could decrypt a copy of the database.
"""

from __future__ import annotations

import ctypes
import ctypes.util

from django.conf import settings
from django.core import checks

HARFBUZZ_SUBSET_MISSING = "opendvc.W001"
DEVELOPMENT_ENCRYPTION_KEY = "opendvc.W002"


# The names WeasyPrint loads the library by (weasyprint.text.ffi), without importing the PDF engine.
_NAMES = ("libharfbuzz-subset.so.0", "libharfbuzz-subset.0.dylib", "libharfbuzz-subset-0.dll")


def harfbuzz_subset_present() -> bool:
    """Whether the library WeasyPrint subsets fonts with loads here (by the loader's own search:
    ``LD_LIBRARY_PATH`` included), or is known to the system's library cache."""
    for name in _NAMES:
        try:
            ctypes.CDLL(name)
        except OSError:
            continue
        return True
    return ctypes.util.find_library("harfbuzz-subset") is not None


@checks.register(checks.Tags.compatibility, deploy=True)
def pdf_font_subsetting(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if harfbuzz_subset_present():
        return []
    return [
        checks.Warning(
            "HarfBuzz's subsetting library (libharfbuzz-subset) is not installed: PDF documents are "
            "rendered about seven times slower, with fontTools.",
            hint="Install it with the system's packages (Debian: apt-get install libharfbuzz-subset0).",
            id=HARFBUZZ_SUBSET_MISSING,
        )
    ]


@checks.register(checks.Tags.security, deploy=True)
def development_encryption_key(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    dev = getattr(settings, "DEVELOPMENT_FIELD_ENCRYPTION_KEY", "")
    keys = [k.strip() for k in settings.FIELD_ENCRYPTION_KEYS]
    if not dev or dev not in keys:
        return []
    encrypting = keys[0] == dev
    return [
        checks.Warning(
            "FIELD_ENCRYPTION_KEYS "
            + ("encrypts with" if encrypting else "still holds")
            + " the development key embedded in the source: personal data at rest (CCCD and phone "
            "numbers, the bodies peers send) can be decrypted by anyone who reads the repository.",
            hint=(
                "Generate a key (python3 -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'), put it first in FIELD_ENCRYPTION_KEYS, run "
                "manage.py rotate_encryption_keys, then remove the development key "
                "(docs/operations.md, Rotating the field encryption key)."
            ),
            id=DEVELOPMENT_ENCRYPTION_KEY,
        )
    ]
