"""The combined e-form and the combined list of components of a linked procedure.

The combined form takes the members' e-forms in order and asks each value once: a field of a later
member is dropped when an earlier field has the same ``prefill`` source (the applicant's name, CCCD,
phone…), when the member's ``same_as`` maps it to a field already asked, or when it is a second
declaration; a field whose key another member already used for something else is renamed
``<member>_<key>``. ``mapping`` tells, for each member, which combined field fills each of its fields,
so every member agency receives its own form's data (``member_data``). File fields are left out:
papers are attached once, against the combined list of components.
"""

from __future__ import annotations

import re
import unicodedata
from copy import deepcopy
from typing import Any

from opendvc.eforms.render import form_data_display

from .models import LinkedMember, LinkedProcedure


def _definition(key: str) -> dict | None:
    from opendvc.eforms.demo import shipped_definitions
    from opendvc.eforms.models import FormDefinition

    row = FormDefinition.objects.filter(key=key).first()
    if row is not None:
        return deepcopy(row.working_copy)
    return deepcopy(shipped_definitions().get(key))


def combined_form(*, bundle: LinkedProcedure) -> tuple[dict, dict[str, dict[str, str]]]:
    """(definition, mapping): the combined form's definition and, per member key, ``{member field:
    combined field}``."""
    sections: list[dict] = []
    mapping: dict[str, dict[str, str]] = {}
    by_source: dict[str, str] = {}
    used: set[str] = set()
    section_keys: set[str] = set()
    declaration: dict | None = None
    for member in bundle.members.order_by("position"):
        if not member.form_key:
            continue
        definition = _definition(member.form_key)
        if definition is None:
            continue
        own: dict[str, str] = {}
        for section in definition["sections"]:
            fields = []
            for spec in section["fields"]:
                key = spec["key"]
                if spec["kind"] == "file":
                    # Papers are attached once, against the combined component list.
                    continue
                target = (member.same_as or {}).get(key)
                if target and target in used:
                    own[key] = target
                    continue
                if spec.get("prefill") and spec["prefill"] in by_source:
                    own[key] = by_source[spec["prefill"]]
                    continue
                if spec["kind"] == "declaration":
                    if declaration is None:
                        declaration = {
                            "key": "declaration",
                            "title": section["title"],
                            "fields": [spec],
                        }
                        used.add(key)
                    own[key] = "declaration"
                    continue
                new_key = key if key not in used else f"{member.key.replace('-', '_')}_{key}"[:60]
                spec = {**spec, "key": new_key}
                if spec.get("show_if") and spec["show_if"]["field"] in own:
                    spec["show_if"] = {**spec["show_if"], "field": own[spec["show_if"]["field"]]}
                used.add(new_key)
                own[key] = new_key
                if spec.get("prefill"):
                    by_source[spec["prefill"]] = new_key
                fields.append(spec)
            if fields:
                skey = (
                    section["key"]
                    if section["key"] not in section_keys
                    else f"{member.key.replace('-', '_')}_{section['key']}"[:60]
                )
                section_keys.add(skey)
                sections.append({**section, "key": skey, "fields": fields})
        mapping[member.key] = own
    if declaration is not None:
        sections.append(declaration)
    definition = {
        "title": f"Tờ khai liên thông: {bundle.name}"[:500],
        "description": "Tờ khai kết hợp các tờ khai của từng thủ tục thành phần; mỗi thông tin chỉ khai một lần.",
        "procedures": [bundle.procedure.code] if bundle.procedure_id else [],
        "sections": sections,
    }
    return definition, mapping


def member_data(
    *, member: LinkedMember, mapping: dict[str, dict[str, str]], data: dict[str, Any]
) -> dict[str, Any]:
    """The member's own form data out of the combined form's ``data``."""
    own = mapping.get(member.key) or {}
    return {k: data[v] for k, v in own.items() if v in data}


def member_sections(
    *, member: LinkedMember, definition: dict, mapping: dict[str, dict[str, str]], data: dict[str, Any]
) -> list[dict[str, Any]]:
    """The member's part of the combined form's ``data`` as people read it (the combined form's labels,
    option labels, dd/mm/yyyy, addresses by name), section by section (``eforms/_form_data.html``)."""
    own = set((mapping.get(member.key) or {}).values())
    sections = []
    for section in form_data_display(definition, data):
        rows = [row for row in section["rows"] if row["key"] in own]
        if rows:
            sections.append({**section, "rows": rows})
    return sections


_CUT = re.compile(r"[;(:]")


def _doc_key(name: str) -> str:
    head = _CUT.split(name, maxsplit=1)[0]
    return " ".join(unicodedata.normalize("NFC", head).casefold().split())[:80]


def combined_components(*, bundle: LinkedProcedure) -> list[dict[str, Any]]:
    """Each document once: the linked procedure's own list (when the catalog holds it) followed by the
    members' documents not already on it. Two items are one document when the name before its first
    ``;``, ``(`` or ``:`` is the same or one starts with the other (case-insensitive). Items of a member's special
    case (``case``) are kept apart, as the officer judges the case. Each item says which members need it."""
    rows: list[dict[str, Any]] = []

    def add(component, member_key: str) -> None:
        key = _doc_key(component.name)
        for row in rows:
            if (
                row["case"] == component.case
                and key
                and (row["key"].startswith(key) or key.startswith(row["key"]))
            ):
                if member_key not in row["members"]:
                    row["members"].append(member_key)
                row["required"] = row["required"] or component.required
                return
        rows.append(
            {
                "key": key,
                "name": component.name,
                "required": component.required,
                "kind": component.kind,
                "case": component.case,
                "originals": component.originals,
                "copies": component.copies,
                "members": [member_key],
            }
        )

    if bundle.procedure_id:
        for component in bundle.procedure.components.order_by("position"):
            add(component, bundle.key)
    for member in (
        bundle.members.exclude(procedure=None).select_related("procedure").order_by("position")
    ):
        for component in member.procedure.components.order_by("position"):
            add(component, member.key)
    return rows
