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


# Imports sit at module level (docs/adr/0005). The apps below are checked; an ``opendvc.*`` import
# inside a function is allowed only where the module cannot be imported at module level, with why.
CLEAN_APPS = {
    "core",
    "accounts",
    "agencies",
    "catalog",
    "reports",
    "ops",
    "feedback",
    "surveys",
    "eforms",
    "notifications",
    "backoffice",
    "portal",
    "worktime",
    "audit",
    "api",
}
LOCAL_IMPORT_ALLOWED: dict[tuple[str, str], str] = {
    ("accounts.apps", "backoffice.decorators"): (
        "the admin's TOTP wrapper is installed by ready(); the decorators import models, which are not "
        "loaded when apps.py is"
    ),
    ("worktime", "worktime.selectors"): (
        "worktime's rules load with the settings; the database-backed calendar only once the app "
        "registry is ready"
    ),
}


def local_imports(source: str, *, name: str, package: bool = False) -> set[str]:
    """The ``opendvc.*`` modules imported inside a function of ``source`` (``AppConfig.ready`` aside:
    signal receivers are connected there by Django's rule)."""
    parent = name.split(".") if package else name.split(".")[:-1]
    out: set[str] = set()
    for func in ast.walk(ast.parse(source)):
        if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef) or func.name == "ready":
            continue
        for node in ast.walk(func):
            if isinstance(node, ast.Import):
                modules = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = parent[: len(parent) - node.level + 1]
                    modules = [".".join([*base, *([node.module] if node.module else [])])]
                else:
                    modules = [node.module or ""]
            else:
                continue
            for module in modules:
                if node.__class__ is ast.ImportFrom and node.level or module.startswith("opendvc."):
                    out.add(module.removeprefix("opendvc."))
    return out


def function_level_imports() -> set[tuple[str, str]]:
    found = set()
    for path in _modules():
        name = _module_name(path)
        if name.split(".")[0] not in CLEAN_APPS:
            continue
        source = path.read_text()
        for target in local_imports(source, name=name, package=path.name == "__init__.py"):
            if (name, target) not in LOCAL_IMPORT_ALLOWED:
                found.add((name, target))
    return found


def test_imports_sit_at_module_level():
    assert sorted(function_level_imports()) == [], (
        "move the import to the top of the module, or add it to LOCAL_IMPORT_ALLOWED with the reason"
    )


def test_the_check_sees_a_function_level_import():
    source = (
        "from opendvc.core.links import absolute_url\n"
        "class Config:\n"
        "    def ready(self):\n"
        "        from . import signals\n"
        "def send():\n"
        "    from opendvc.notifications.services import notify\n"
        "    from .tasks import deliver\n"
        "    import weasyprint\n"
    )
    found = local_imports(source, name="reports.services")
    assert found == {"notifications.services", "reports.tasks"}
    # Every exception still names an import that exists: a stale reason is removed with its import.
    for module, target in LOCAL_IMPORT_ALLOWED:
        path = ROOT.joinpath(*module.split("."))
        path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
        package = path.name == "__init__.py"
        assert target in local_imports(path.read_text(), name=module, package=package)
