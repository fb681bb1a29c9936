"""Every notice has an English text: a user who chose English is not sent Vietnamese, and the English
text carries everything the Vietnamese one says."""

import re
from datetime import datetime
from pathlib import Path

import pytest

import opendvc
from opendvc.notifications.services import render_message

PACKAGE = Path(opendvc.__file__).parent
VIETNAMESE = {
    path.name.removesuffix(".vi.txt"): path
    for path in sorted(PACKAGE.glob("*/templates/notifications/*.vi.txt"))
}

# Letters only Vietnamese spelling uses (English text may still borrow é, â, ô and the like).
VIETNAMESE_LETTERS = re.compile(
    "[ăđơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", re.IGNORECASE
)
# Fixed Vietnamese that stays in English text: the abbreviation of "decision" in legal references
# (Regulation QĐ 31/2020/QĐ-UBND).
KEPT_VIETNAMESE = ("QĐ",)

VARIABLE = re.compile(r"\{\{\s*([\w.]+)\s*(\|[^}]*)?\}\}")
CONDITION = re.compile(r"\{%\s*if\s+([\w.]+)\s*%\}")
TAG = re.compile(r"\{%.*?%\}")


def _variables(source: str) -> set[str]:
    return {m.group(1) for m in VARIABLE.finditer(source)} | set(CONDITION.findall(source))


def _bare_variables(source: str) -> set[str]:
    """The variables printed as they are (no filter), whose value must show in the text."""
    return {m.group(1) for m in VARIABLE.finditer(source) if not m.group(2)}


def _sample(name: str) -> str:
    # Vietnamese on purpose: values (names of agencies, procedures) stay Vietnamese in English text.
    return f"[{name}: Sở Tư pháp]"


def _context(variables: set[str]) -> dict:
    """A value for every variable; ``procedure.name`` makes ``procedure`` a mapping."""
    context: dict = {}
    for variable in sorted(variables):
        root, _, attribute = variable.partition(".")
        if attribute:
            context.setdefault(root, {})[attribute] = _sample(variable)
        else:
            context.setdefault(root, _sample(variable))
    if "expires_at" in context:
        context["expires_at"] = datetime(2025, 3, 7, 17, 0)
    return context


def _english_path(name: str) -> Path:
    return VIETNAMESE[name].with_name(f"{name}.en.txt")


def test_templates_are_found():
    assert {"dossier_received", "feedback_answered", "welcome"} <= VIETNAMESE.keys()


@pytest.mark.parametrize("name", sorted(VIETNAMESE))
def test_every_notice_has_an_english_text(name):
    english = _english_path(name)
    assert english.exists(), f"{english.relative_to(PACKAGE)} is missing"


@pytest.mark.parametrize("name", sorted(VIETNAMESE))
def test_english_text_says_what_the_vietnamese_says(name):
    english = _english_path(name)
    if not english.exists():
        pytest.skip("no English text (see test_every_notice_has_an_english_text)")
    vi_source = VIETNAMESE[name].read_text(encoding="utf-8")
    en_source = english.read_text(encoding="utf-8")
    vi_variables = _variables(vi_source)

    assert vi_variables <= _variables(en_source), "the English text drops a variable"
    assert TAG.findall(vi_source) == TAG.findall(en_source), "the tags differ"

    context = _context(vi_variables | {"PORTAL_NAME", "PORTAL_BASE_URL"})
    subject, body = render_message(template=name, language="en", context=context)

    assert subject
    text = f"{subject}\n{body}"
    for variable in _bare_variables(en_source):
        assert _sample(variable) in text, f"{variable} is not shown"
    for value in [_sample(v) for v in vi_variables | {"PORTAL_NAME", "PORTAL_BASE_URL"}]:
        text = text.replace(value, "")
    for kept in KEPT_VIETNAMESE:
        text = text.replace(kept, "")
    assert not VIETNAMESE_LETTERS.findall(text), text


def test_render_message_in_english():
    context = {
        "code": "000.00.05.H01-250307-0012",
        "agency": "Sở Tư pháp",
        "procedure": "Cấp Phiếu lý lịch tư pháp",
        "due_at": "17:00 14/03/2025",
        "url": "https://dichvucong.example.vn/ho-so/000.00.05.H01-250307-0012/",
    }

    subject, body = render_message(template="dossier_received", language="en", context=context)

    assert subject == "Dossier 000.00.05.H01-250307-0012 has been accepted"
    assert body.startswith(
        "Sở Tư pháp has accepted dossier 000.00.05.H01-250307-0012 (Cấp Phiếu lý lịch tư pháp).\n"
    )
    assert "Result due: 17:00 14/03/2025" in body
    assert context["url"] in body

    subject, _ = render_message(template="dossier_received", language="vi", context=context)
    assert subject == "Hồ sơ 000.00.05.H01-250307-0012 đã được tiếp nhận"
