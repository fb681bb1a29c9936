"""Dependencies point one way (docs/adr/0005): ``dossiers → workflow → worktime``; ``eforms`` does not
import ``dossiers``; nothing imports the code that runs on top of it. The test reads every module's
imports — at module level and inside functions alike — and fails on an import against the rules."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # src/opendvc

# app -> apps it must not import
FORBIDDEN: dict[str, set[str]] = {
    "worktime": {"dossiers", "workflow", "feedback", "eforms", "surveys"},
    "workflow": {"dossiers", "feedback", "eforms", "surveys"},
    "eforms": {"dossiers", "workflow", "feedback", "surveys"},
    "core": {"dossiers", "workflow", "feedback", "eforms", "surveys"},
}


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Every ``opendvc.*`` module ``path`` imports, relative imports resolved, without the prefix."""
    return _imports_of(
        path.read_text(), name=_module_name(path), package=path.name == "__init__.py"
    )


def _imports_of(source: str, *, name: str, package: bool = False) -> set[str]:
    parent = name.split(".") if package else name.split(".")[:-1]
    out: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = parent[: len(parent) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            # ``from x import y``: y may be a module of x or a name in it.
            targets = [module, *(f"{module}.{a.name}" for a in node.names)]
        else:
            continue
        for target in targets:
            target = target.removeprefix("opendvc.")
            if target and target.split(".")[0] in FORBIDDEN.keys() | {
                "dossiers",
                "feedback",
                "surveys",
            }:
                out.add(target)
    return out


def _modules():
    for path in sorted(ROOT.rglob("*.py")):
        if "migrations" in path.parts or "tests" in path.parts:
            continue
        yield path


def reverse_imports() -> set[tuple[str, str]]:
    found = set()
    for path in _modules():
        name = _module_name(path)
        app = name.split(".")[0]
        for target in _imports(path):
            if target.split(".")[0] in FORBIDDEN.get(app, set()):
                found.add((name, ".".join(target.split(".")[:2])))
    return found


def test_dependencies_point_one_way():
    assert sorted(reverse_imports()) == [], "an import against docs/adr/0005's direction"


def test_the_check_sees_imports_inside_functions():
    """The reader resolves relative imports and finds imports inside functions."""
    source = (
        "from ..services import dossier_act\n"
        "def view():\n"
        "    from opendvc.dossiers.selectors import dossier_for_staff\n"
    )
    found = _imports_of(source, name="workflow.views.page")
    assert "workflow.services" in found
    assert "dossiers.selectors" in found
    assert "workflow.services" in _imports(ROOT / "dossiers" / "services" / "steps.py")
