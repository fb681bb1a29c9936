"""Shipped e-forms: one JSON definition per file in ``definitions/`` (file name = form key).

Each follows the official form named in the procedure's components (``official_form``) and lists the
procedures it serves. Seeding saves and publishes each one; it is idempotent (an unchanged file
publishes no new version).
"""

from __future__ import annotations

import json
from pathlib import Path

from .services import DefinitionError, definition_publish, definition_save

DEFINITIONS_DIR = Path(__file__).resolve().parent / "definitions"


def shipped_definitions() -> dict[str, dict]:
    return {
        path.stem: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(DEFINITIONS_DIR.glob("*.json"))
    }


def seed(stdout=None) -> None:
    published = 0
    for key, definition in shipped_definitions().items():
        try:
            form = definition_save(key=key, definition=definition, actor=None)
        except DefinitionError as exc:
            raise ValueError(f"Biểu mẫu {key} có lỗi: {exc}") from exc
        version = definition_publish(form=form, actor=None)
        published += 1
        del version
    if stdout:
        stdout.write(f"  {published} tờ khai điện tử đã công bố")
