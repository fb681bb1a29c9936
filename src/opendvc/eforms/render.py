"""HTML of a form's fields (built in Python for speed), the reverse (POST → data), and display values.

Every input has a label; help and error texts are tied with ``aria-describedby``; required fields say
so in text (not by colour or ``required``, which would block "save draft"). Works without JavaScript:
repeatable groups add and remove rows with submit buttons; conditional fields stay visible with a note
saying when they apply, and ``eforms.js`` hides them while the condition does not hold.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from opendvc.accounts.validators import province_choices, ward_choices
from opendvc.core.quoting import (
    MarkedText,
    html_join,
    quoting,
    text_join,
    vi_attribute,
    vietnamese,
)

from .engine import Invalid, _as_int, field_label, iter_fields, own_words, units

# Texts translated inside f-strings below, where makemessages does not see them.
_IN_FSTRINGS = (
    gettext_noop("bắt buộc"),
    gettext_noop("Lỗi:"),
    gettext_noop("— Chọn —"),
    gettext_noop("— Chọn tỉnh, thành phố —"),
    gettext_noop("— Chọn tỉnh, thành phố trước —"),
    gettext_noop("— Chọn phường, xã —"),
    gettext_noop("Cập nhật danh sách phường, xã"),
    gettext_noop("Tệp đã tải lên"),
    gettext_noop("Xóa"),
    gettext_noop("Thêm"),
    gettext_noop("mục"),
)

ADD_BUTTON = "eforms-add"
REMOVE_BUTTON = "eforms-remove"


def field_id(prefix: str, path: str) -> str:
    return f"{prefix}f-{path.replace('/', '-')}"


def _choice(spec: dict, value) -> dict | None:
    """The choice of ``spec`` whose value is ``value``, or None."""
    return next((c for c in spec.get("choices", []) if c["value"] == value), None)


def _choice_label(spec: dict, value) -> tuple[str, bool]:
    """The label of the choice ``value`` of ``spec``: its English label on a page in English when the
    definition gives one, else its Vietnamese label (or the value itself, kept from an older version
    of the form); and whether it is Vietnamese shown on a page in another language (to be marked)."""
    choice = _choice(spec, value)
    if choice is None:
        return str(value), bool(_vi())
    label, lang = own_words(choice, "label")
    return label, bool(lang)


def display_date(value: Any) -> str:
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return dt.date.fromisoformat(value).strftime("%d/%m/%Y")
        except ValueError:
            return value
    return "" if value is None else str(value)


def display_money(value: Any) -> str:
    """``150.000.000``: thousands separated by dots, whether the amount was cleaned (an int) or is
    kept in a draft as typed ("150000000", "1.500.000 đồng")."""
    if isinstance(value, str):
        try:
            value = _as_int(value, money=True)
        except Invalid:
            return value
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}".replace(",", ".")
    return "" if value is None else str(value)


def address_text(value: Any) -> str:
    if not isinstance(value, dict):
        return ""
    provinces, wards = units()
    parts = [str(value.get("street") or "").strip()]
    try:
        ward = wards.get(int(value.get("ward") or 0))
        province = provinces.get(int(value.get("province") or 0))
    except (TypeError, ValueError):
        ward = province = None
    parts += [ward[0] if ward else "", province or ""]
    return ", ".join(p for p in parts if p)


def display_value(spec: dict, value: Any) -> str:
    """A field value as plain text for pages and the PDF (dates dd/mm/yyyy, money with dots)."""
    kind = spec["kind"]
    if value in (None, "", []):
        return ""
    if kind == "date":
        return display_date(value)
    if kind == "money":
        return f"{display_money(value)} đồng"
    if kind == "choice":
        return _choice_label(spec, value)[0]
    if kind == "multichoice":
        return (
            "; ".join(_choice_label(spec, v)[0] for v in value)
            if isinstance(value, list)
            else str(value)
        )
    if kind in ("checkbox", "declaration"):
        return _("Có") if value is True else _("Không")
    if kind == "address":
        return address_text(value)
    if kind == "file":
        count = len(value) if isinstance(value, list) else 1
        return ngettext("%(n)s tệp", "%(n)s tệp", count) % {"n": count}
    if kind == "number":
        return display_money(value)
    return str(value)


def _vi() -> str:
    """`` lang="vi"`` on the definition's own wording (labels, help, choices, place names: the official
    form is in Vietnamese) when the page is in another language (WCAG 2.1, 3.1.2)."""
    return vi_attribute()


def _value_shown(spec: dict, value: Any) -> tuple[str, SafeString]:
    """``display_value`` with the attribute of the element showing it: what people typed, names of
    places and the definition's own words are Vietnamese (`` lang="vi"`` on a page in another
    language); Yes/No, a count of files and the choices the definition labels in English are in the
    page's language. Several choices, some in each language, are marked one by one (``core.quoting``)."""
    shown = display_value(spec, value)
    kind = spec["kind"]
    if kind in ("checkbox", "declaration", "file"):
        return shown, SafeString("")
    if kind == "choice":
        return shown, _vi() if _choice_label(spec, value)[1] else SafeString("")
    if kind == "multichoice" and isinstance(value, list):
        labels = [_choice_label(spec, v) for v in value]
        if all(foreign for _label, foreign in labels):
            return shown, _vi()
        if any(foreign for _label, foreign in labels):
            parts = [vietnamese(label) if foreign else label for label, foreign in labels]
            return text_join("; ", parts), SafeString("")
        return shown, SafeString("")
    return shown, _vi()


def _marked(item: dict, key: str) -> str:
    """A definition's label, title or help in the page's language when the definition gives it,
    else its Vietnamese text, marked as Vietnamese on a page in another language (plain text that
    carries its marked HTML, see ``core.quoting``)."""
    text, lang = own_words(item, key)
    return vietnamese(text) if lang else text


def _shown(spec: dict, scope: dict) -> bool:
    """Whether a conditional field applies to the values of its scope (as ``CompiledForm`` decides)."""
    cond = spec.get("show_if")
    if not cond:
        return True
    current = scope.get(cond["field"])
    if isinstance(current, list):
        return any(v in cond["in"] for v in current)
    if current in (None, ""):
        return False in cond["in"]
    if isinstance(current, str) and current in ("1", "on", "true"):
        current = True
    return current in cond["in"]


def _display_rows(specs: list[dict], data: dict, blank: bool) -> list[dict[str, Any]]:
    rows = []
    for spec in specs:
        if not blank and not _shown(spec, data):
            continue
        value = data.get(spec["key"])
        label, label_lang = own_words(spec, "label")
        if spec["kind"] == "group":
            title, title_lang = (
                (spec["item_label"], _vi()) if spec.get("item_label") else (label, label_lang)
            )
            items = []
            for index, item in enumerate(value if isinstance(value, list) else []):
                if not isinstance(item, dict):
                    continue
                item_rows = _display_rows(spec["fields"], item, blank)
                if item_rows:
                    items.append(
                        {"title": f"{title} {index + 1}", "title_lang": title_lang, "rows": item_rows}
                    )
            if items or blank:
                rows.append(
                    {
                        "key": spec["key"],
                        "label": label,
                        "label_lang": label_lang,
                        "group": True,
                        "items": items,
                        "blank_rows": [own_words(c, "label")[0] for c in spec["fields"]],
                    }
                )
            continue
        shown, value_lang = _value_shown(spec, value)
        if shown or blank:
            rows.append(
                {
                    "key": spec["key"],
                    "label": label,
                    "label_lang": label_lang,
                    "value": shown,
                    "value_lang": value_lang,
                    "declaration": spec["kind"] == "declaration",
                }
            )
    return rows


def form_data_display(
    definition: dict, data: dict | None, *, blank: bool = False
) -> list[dict[str, Any]]:
    """Form data as people read it, section by section, in the form's own order and words.

    Each section is ``{"key", "title", "rows"}``; a row is ``{"label", "value"}`` (value already
    formatted: option labels, names of provinces and wards, Có/Không, dd/mm/yyyy, money in đồng) or,
    for a repeatable group, ``{"label", "group": True, "items": [{"title", "rows"}]}``. Titles,
    labels and values come with the attribute of the element showing them (``title_lang``,
    ``label_lang``, ``value_lang``: `` lang="vi"`` for Vietnamese on a page in another language).
    Fields without a value and fields whose condition does not hold are left out, and so are empty
    sections; with ``blank`` every field is listed (the printable blank form). Keys of ``data`` that
    the form does not have are not shown. Pure: no database.
    """
    data = data if isinstance(data, dict) else {}
    sections = []
    for index, section in enumerate(definition.get("sections", []), 1):
        rows = _display_rows(section.get("fields", []), data, blank)
        if rows:
            title, title_lang = own_words(section, "title")
            sections.append(
                {
                    "key": section.get("key") or f"section-{index}",
                    "title": title,
                    "title_lang": title_lang,
                    "rows": rows,
                }
            )
    return sections


# ---------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------


class _Ctx:
    __slots__ = ("prefix", "errors", "notes")

    def __init__(self, prefix: str, errors: list | None, definition: dict) -> None:
        self.prefix = prefix
        self.errors: dict[str, list[str]] = {}
        for err in errors or []:
            self.errors.setdefault(err.get("path", ""), []).append(err.get("message", ""))
        self.notes = _condition_notes(iter_fields(definition))


def _condition_notes(specs: list[dict]) -> dict[int, str]:
    """For each conditional field, the sentence saying when it applies (shown without JavaScript).
    The other field's label and its choices are quoted as the definition writes them: in English when
    it gives them in English, else in Vietnamese, marked as such on a page in another language."""
    notes: dict[int, str] = {}
    scope = {s["key"]: s for s in specs}
    for spec in specs:
        cond = spec.get("show_if")
        if cond and cond["field"] in scope:
            target = scope[cond["field"]]
            label, foreign = field_label(target)
            vi = {"f": label} if foreign else {}
            other = {} if foreign else {"f": label}
            if target["kind"] in ("checkbox", "declaration"):
                wanted = _("được đánh dấu") if True in cond["in"] else _("không được đánh dấu")
                text = quoting(_("Chỉ điền khi “%(f)s” %(v)s."), vi, {**other, "v": wanted})
            else:
                template = _("Chỉ điền khi “%(f)s” là %(v)s.")
                joiner = " " + _("hoặc") + " "
                choices = [quoting("“%(c)s”", *_choice_parts(target, v)) for v in cond["in"]]
                text = template % {"f": label, "v": joiner.join(choices)}
                if foreign or any(isinstance(c, MarkedText) for c in choices):
                    text = MarkedText(
                        text,
                        conditional_escape(template)
                        % {
                            "f": conditional_escape(vietnamese(label) if foreign else label),
                            "v": html_join(joiner, choices),
                        },
                    )
            notes[id(spec)] = text
        if spec["kind"] == "group":
            notes.update(_condition_notes(spec["fields"]))
    return notes


def _choice_parts(spec: dict, value) -> tuple[dict, dict]:
    """``(vi, other)`` for :func:`quoting` of one choice's label: Vietnamese data unless the page is
    in Vietnamese or the choice has an English label."""
    text, foreign = _choice_label(spec, value)
    return ({"c": text}, {}) if foreign else ({}, {"c": text})


def _label_text(spec: dict, required: bool) -> str:
    text = conditional_escape(_marked(spec, "label"))
    if required:
        text += f' <span class="eforms-required">({escape(_("bắt buộc"))})</span>'
    return text


def _describe(ctx: _Ctx, fid: str, spec: dict, paths: list[str]) -> tuple[str, str, bool]:
    """Help and error paragraphs plus the ``aria-describedby`` ids. Error messages may quote the
    definition's Vietnamese labels: each is shown with its own marking (``core.quoting``)."""
    parts, ids = [], []
    if spec.get("help"):
        text, lang = own_words(spec, "help")
        parts.append(f'<p class="help" id="{fid}-help"{lang}>{escape(text)}</p>')
        ids.append(f"{fid}-help")
    if spec.get("show_if") and id(spec) in ctx.notes:
        parts.append(
            f'<p class="help eforms-when" id="{fid}-when">{conditional_escape(ctx.notes[id(spec)])}</p>'
        )
        ids.append(f"{fid}-when")
    messages = [m for p in paths for m in ctx.errors.get(p, [])]
    if messages:
        parts.append(
            f'<p class="field-error" id="{fid}-error"><span class="visually-hidden">'
            f"{escape(_('Lỗi:'))} </span>{html_join(' ', messages)}</p>"
        )
        ids.append(f"{fid}-error")
    return "".join(parts), " ".join(ids), bool(messages)


def _aria(described: str, invalid: bool, required: bool) -> str:
    out = f' aria-describedby="{described}"' if described else ""
    if invalid:
        out += ' aria-invalid="true"'
    if required:
        out += ' aria-required="true"'
    return out


def _wrap_attrs(spec: dict, prefix: str, scope_path: str) -> str:
    cond = spec.get("show_if")
    if not cond:
        return ""
    target = field_id(prefix, scope_path + cond["field"])
    values = json.dumps(
        [("1" if v is True else "" if v is False else v) for v in cond["in"]], ensure_ascii=False
    )
    return f' data-show-if="{target}" data-show-values="{escape(values)}"'


def _text_input(spec, fid, name, value, aria, input_type="text", extra=""):
    shown = "" if value is None else str(value)
    if spec["kind"] == "date":
        shown = display_date(value)
    elif spec["kind"] == "money" and isinstance(value, int):
        shown = display_money(value)
    if spec.get("autocomplete"):
        extra += f' autocomplete="{escape(spec["autocomplete"])}"'
    return f'<input class="eforms-input" type="{input_type}" id="{fid}" name="{name}" value="{escape(shown)}"{aria}{extra}>'


def _render_field(ctx: _Ctx, spec: dict, value: Any, path: str, scope_path: str) -> str:
    kind = spec["kind"]
    fid = field_id(ctx.prefix, path)
    name = fid
    required = bool(spec.get("required")) or kind == "declaration"
    wrap = _wrap_attrs(spec, ctx.prefix, scope_path)
    if kind == "group":
        return _render_group(ctx, spec, value, path, wrap)
    if kind == "address":
        return _render_address(ctx, spec, value, path, wrap, required)
    if kind in ("choice", "multichoice") and (
        kind == "multichoice"
        or spec.get("widget") == "radio"
        or (spec.get("widget") != "select" and len(spec["choices"]) <= 4)
    ):
        return _render_options(ctx, spec, value, path, wrap, required)
    helptext, described, invalid = _describe(ctx, fid, spec, [path])
    aria = _aria(described, invalid, required)
    if kind in ("checkbox", "declaration"):
        checked = " checked" if value is True or value in ("1", "on", "true") else ""
        return (
            f'<div class="field eforms-field eforms-check" id="{fid}-wrap"{wrap}>'
            f'<input type="checkbox" id="{fid}" name="{name}" value="1"{checked}{aria}>'
            f'<label for="{fid}">{_label_text(spec, required)}</label>{helptext}</div>'
        )
    label = f'<label for="{fid}">{_label_text(spec, required)}</label>'
    if kind == "textarea":
        rows = spec.get("rows", 4)
        control = (
            f'<textarea class="eforms-input" id="{fid}" name="{name}" rows="{rows}"{aria}>'
            f"{escape('' if value is None else value)}</textarea>"
        )
    elif kind == "choice":
        options = [f'<option value="">{escape(_("— Chọn —"))}</option>']
        for choice in spec["choices"]:
            sel = " selected" if choice["value"] == value else ""
            text, lang = own_words(choice, "label")
            options.append(
                f'<option value="{escape(choice["value"])}"{sel}{lang}>{escape(text)}</option>'
            )
        control = f'<select class="eforms-input" id="{fid}" name="{name}"{aria}>{"".join(options)}</select>'
    elif kind == "date":
        control = _text_input(
            spec, fid, name, value, aria, extra=' inputmode="numeric" placeholder="dd/mm/yyyy"'
        )
    elif kind in ("number", "money"):
        control = _text_input(spec, fid, name, value, aria, extra=' inputmode="numeric"')
    elif kind == "email":
        control = _text_input(spec, fid, name, value, aria, input_type="email")
    elif kind == "phone":
        control = _text_input(spec, fid, name, value, aria, input_type="tel")
    elif kind in ("cccd", "tax_code"):
        control = _text_input(spec, fid, name, value, aria, extra=' inputmode="numeric"')
    elif kind == "file":
        return _render_file(ctx, spec, value, path, wrap, required)
    else:
        limit = spec.get("max_length")
        control = _text_input(
            spec, fid, name, value, aria, extra=f' maxlength="{limit}"' if limit else ""
        )
    return f'<div class="field eforms-field" id="{fid}-wrap"{wrap}>{label}{helptext}{control}</div>'


def _render_options(ctx, spec, value, path, wrap, required) -> str:
    fid = field_id(ctx.prefix, path)
    helptext, described, invalid = _describe(ctx, fid, spec, [path])
    multi = spec["kind"] == "multichoice"
    chosen = set(value) if isinstance(value, list) else {value}
    items = []
    for index, choice in enumerate(spec["choices"]):
        oid = fid if index == 0 else f"{fid}-{index}"
        checked = " checked" if choice["value"] in chosen else ""
        text, lang = own_words(choice, "label")
        items.append(
            f'<div class="eforms-option"><input type="{"checkbox" if multi else "radio"}" id="{oid}" '
            f'name="{fid}" value="{escape(choice["value"])}"{checked}>'
            f'<label for="{oid}"{lang}>{escape(text)}</label></div>'
        )
    aria = f' aria-describedby="{described}"' if described else ""
    if required:
        aria += ' aria-required="true"' if not multi else ""
    role = ' role="radiogroup"' if not multi else ""
    return (
        f'<fieldset class="field eforms-field eforms-options" id="{fid}-wrap"{wrap}{role}{aria}>'
        f"<legend>{_label_text(spec, required)}</legend>{helptext}{''.join(items)}</fieldset>"
    )


def _province_options(ctx: _Ctx, selected: Any) -> str:
    try:
        selected = int(selected)
    except (TypeError, ValueError):
        selected = None
    options = [f'<option value="">{escape(_("— Chọn tỉnh, thành phố —"))}</option>']
    for code, name in province_choices():
        sel = " selected" if code == selected else ""
        options.append(f'<option value="{code}"{sel}{_vi()}>{escape(name)}</option>')
    return "".join(options)


def ward_options_html(province: Any, selected: Any = None) -> str:
    try:
        province = int(province)
    except (TypeError, ValueError):
        return f'<option value="">{escape(_("— Chọn tỉnh, thành phố trước —"))}</option>'
    try:
        selected = int(selected)
    except (TypeError, ValueError):
        selected = None
    options = [f'<option value="">{escape(_("— Chọn phường, xã —"))}</option>']
    for code, name in ward_choices(province):
        sel = " selected" if code == selected else ""
        options.append(f'<option value="{code}"{sel}{_vi()}>{escape(name)}</option>')
    return "".join(options)


def _render_address(ctx, spec, value, path, wrap, required) -> str:
    fid = field_id(ctx.prefix, path)
    value = value if isinstance(value, dict) else {}
    helptext, described, invalid = _describe(ctx, fid, spec, [path])
    parts = []
    for sub, label in (
        ("province", _("Tỉnh, thành phố")),
        ("ward", _("Phường, xã, đặc khu")),
        ("street", _("Số nhà, đường, thôn, ấp")),
    ):
        sid = f"{fid}-{sub}"
        sub_help, sub_described, sub_invalid = _describe(ctx, sid, {}, [f"{path}/{sub}"])
        ids = " ".join(x for x in (described, sub_described) if x)
        aria = _aria(ids, sub_invalid or invalid, required and sub != "street")
        if sub == "province":
            control = (
                f'<select class="eforms-input" id="{sid}" name="{sid}" data-ward-target="{fid}-ward"{aria}>'
                f"{_province_options(ctx, value.get('province'))}</select>"
            )
        elif sub == "ward":
            control = (
                f'<select class="eforms-input" id="{sid}" name="{sid}"{aria}>'
                f"{ward_options_html(value.get('province'), value.get('ward'))}</select>"
            )
        else:
            control = (
                f'<input class="eforms-input" type="text" id="{sid}" name="{sid}" maxlength="300" '
                f'value="{escape(value.get("street") or "")}"{aria}>'
            )
        parts.append(
            f'<div class="eforms-subfield"><label for="{sid}">{escape(label)}</label>{sub_help}{control}</div>'
        )
    refresh = (
        f'<button type="submit" class="btn btn-secondary eforms-nojs" name="eforms-refresh" value="{fid}" '
        f"formnovalidate>{escape(_('Cập nhật danh sách phường, xã'))}</button>"
    )
    return (
        f'<fieldset class="field eforms-field eforms-address" id="{fid}-wrap"{wrap}>'
        f"<legend>{_label_text(spec, required)}</legend>{helptext}{''.join(parts)}{refresh}</fieldset>"
    )


def _render_file(ctx, spec, value, path, wrap, required) -> str:
    fid = field_id(ctx.prefix, path)
    helptext, described, invalid = _describe(ctx, fid, spec, [path])
    ids = (
        value if isinstance(value, list) else ([value] if isinstance(value, str) and value else [])
    )
    kept = "".join(
        f'<div class="eforms-option"><input type="checkbox" id="{fid}-{i}" name="{fid}" value="{escape(v)}" checked>'
        f'<label for="{fid}-{i}">{escape(_("Tệp đã tải lên"))} {i + 1}</label></div>'
        for i, v in enumerate(ids)
    )
    # The component's name ends its own sentence here: without its closing punctuation ("…về việc sinh.").
    component = escape(str(spec.get("component", "")).strip().rstrip(" .;:,"))
    if _vi():
        component = f"<span{_vi()}>{component}</span>"
    note = escape(_("Giấy tờ: %(c)s. Tệp được đính kèm ở bước nộp hồ sơ.")) % {"c": component}
    aria = f' aria-describedby="{described}"' if described else ""
    return (
        f'<fieldset class="field eforms-field eforms-file" id="{fid}-wrap" '
        f'data-component="{escape(spec.get("component", ""))}" tabindex="-1"{wrap}{aria}>'
        f'<legend>{_label_text(spec, required)}</legend>{helptext}<p class="help">{note}</p>{kept}</fieldset>'
    )


def _render_group(ctx, spec, value, path, wrap) -> str:
    fid = field_id(ctx.prefix, path)
    items = value if isinstance(value, list) else []
    minimum = spec.get("min_items", 1 if spec.get("required") else 0)
    rows = max(len(items), minimum, 1)
    maximum = spec.get("max_items", 50)
    helptext, described, invalid = _describe(ctx, fid, spec, [path])
    item_label, lang = (
        (spec["item_label"], _vi()) if spec.get("item_label") else own_words(spec, "label")
    )
    # The item's name inside the buttons' words ("Thêm", "Xóa"), marked when it is Vietnamese.
    named = escape(item_label.lower())
    if lang:
        named = f"<span{lang}>{named}</span>"
    out = []
    for index in range(rows):
        item = items[index] if index < len(items) and isinstance(items[index], dict) else {}
        item_path = f"{path}/{index}"
        inner = "".join(
            _render_field(
                ctx, child, item.get(child["key"]), f"{item_path}/{child['key']}", f"{item_path}/"
            )
            for child in spec["fields"]
        )
        remove = ""
        if rows > minimum:
            remove = (
                f'<button type="submit" class="btn btn-secondary eforms-row-btn" name="{ctx.prefix}{REMOVE_BUTTON}" '
                f'value="{item_path}" formnovalidate>{escape(_("Xóa"))} {named} '
                f"{index + 1}</button>"
            )
        out.append(
            f'<fieldset class="eforms-item" id="{fid}-{index}"><legend{lang}>{escape(item_label)} {index + 1}</legend>'
            f"{inner}{remove}</fieldset>"
        )
    add = ""
    if rows < maximum:
        add = (
            f'<button type="submit" class="btn btn-secondary eforms-row-btn" name="{ctx.prefix}{ADD_BUTTON}" value="{path}" '
            f"formnovalidate>{escape(_('Thêm'))} {named}</button>"
        )
    aria = f' aria-describedby="{described}"' if described else ""
    return (
        f'<fieldset class="field eforms-group" id="{fid}-wrap" tabindex="-1"{wrap}{aria}>'
        f"<legend>{_label_text(spec, bool(minimum))}</legend>{helptext}{''.join(out)}{add}</fieldset>"
    )


def render_fields(
    definition: dict, data: dict | None, errors: list | None, prefix: str = ""
) -> SafeString:
    ctx = _Ctx(prefix, errors, definition)
    data = data if isinstance(data, dict) else {}
    out = []
    for section in definition["sections"]:
        body = "".join(
            _render_field(ctx, spec, data.get(spec["key"]), spec["key"], "")
            for spec in section["fields"]
        )
        help_html = ""
        if section.get("help"):
            text, lang = own_words(section, "help")
            help_html = f'<p class="help"{lang}>{escape(text)}</p>'
        title, lang = own_words(section, "title")
        out.append(
            f'<fieldset class="eforms-section" id="{prefix}s-{section["key"]}">'
            f"<legend{lang}>{escape(title)}</legend>{help_html}{body}</fieldset>"
        )
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped


def error_links(definition: dict, errors: list, prefix: str = "") -> list[dict[str, str]]:
    """For the error summary: each error with the id of the control to jump to and the field label."""
    labels: dict[str, str] = {}
    kinds: dict[str, str] = {}

    def walk(specs, scope, section):
        for spec in specs:
            label = _("Lời cam đoan") if spec["kind"] == "declaration" else _marked(spec, "label")
            # Section title first, so "Giới tính" of the child and of the mother can be told apart.
            labels[scope + spec["key"]] = (
                text_join("", (section, " – ", label)) if section and not scope else label
            )
            kinds[scope + spec["key"]] = spec["kind"]
            if spec["kind"] == "group":
                walk(spec["fields"], scope + spec["key"] + "/*/", section)

    for section in definition.get("sections", []):
        walk(section["fields"], "", _marked(section, "title"))
    links = []
    for err in errors:
        path = err.get("path", "")
        generic = re.sub(r"/\d+/", "/*/", path)
        base = generic.rsplit("/", 1)[0] if generic not in labels else generic
        label = labels.get(generic) or labels.get(base, "")
        target = field_id(prefix, path)
        kind = kinds.get(generic)
        if kind in ("address",):
            target += "-province"
        elif kind in ("group", "file") or (kind in ("multichoice",)):
            target += "-wrap" if kind != "multichoice" else ""
        if path == "":
            target = ""
        number = re.findall(r"/(\d+)/", path)
        if number:
            label = text_join("", (label, f" ({_('mục')} {int(number[0]) + 1})"))
        links.append({"target": target, "label": label, "message": err.get("message", "")})
    return links


# ---------------------------------------------------------------------------------------------
# Parsing a submitted HTML form
# ---------------------------------------------------------------------------------------------


def _parse_field(spec: dict, post, name: str) -> Any:
    kind = spec["kind"]
    if kind in ("checkbox", "declaration"):
        return post.get(name) in ("1", "on", "true")
    if kind in ("multichoice", "file"):
        return [v for v in post.getlist(name) if v != ""]
    if kind == "address":
        return {
            sub: post.get(f"{name}-{sub}", "").strip() for sub in ("province", "ward", "street")
        }
    return post.get(name, "")


def _item_indices(post, base: str) -> list[int]:
    pattern = re.compile(re.escape(base) + r"-(\d{1,3})-")
    found = set()
    for key in post:
        m = pattern.match(key)
        if m:
            found.add(int(m.group(1)))
    return sorted(found)


def _row_is_blank(row: dict) -> bool:
    for value in row.values():
        if isinstance(value, dict):
            if any(v not in ("", None) for v in value.values()):
                return False
        elif value not in ("", None, [], False):
            return False
    return True


def parse_post(definition: dict, post, prefix: str = "", *, keep_blank_rows: bool = False) -> dict:
    data: dict[str, Any] = {}
    for spec in iter_fields(definition):
        name = field_id(prefix, spec["key"])
        if spec["kind"] == "group":
            rows = []
            for index in _item_indices(post, name)[:60]:
                row = {
                    child["key"]: _parse_field(child, post, f"{name}-{index}-{child['key']}")
                    for child in spec["fields"]
                }
                if keep_blank_rows or not _row_is_blank(row):
                    rows.append(row)
            data[spec["key"]] = rows
        else:
            data[spec["key"]] = _parse_field(spec, post, name)
    return data
