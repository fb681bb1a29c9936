""".env.example lists every deployment variable, each described, and nothing the code no longer reads.

A deployment variable is one the deployed code reads from the environment: the settings profiles
(``base``, ``development``, ``production``), any module of ``src/opendvc`` (a management command, the
WSGI entry point, the metrics), ``deploy/gunicorn.conf.py`` and the commands the image runs
(``deploy/Dockerfile``'s ``HEALTHCHECK`` and ``CMD``). What reads the environment only for tests
(``tests/`` folders, ``conftest.py``, the test profile ``settings/test.py``) or for the benchmarks
and browser tests (``bench/``, ``e2e/``, outside ``src``) is not deployed and not listed.

Reads are found in the syntax tree, not by a pattern on the text: ``env("X")``, ``env.int("X")``
and the other casts, ``os.environ.get("X")``, ``os.environ["X"]``, ``os.getenv("X")``. A read whose
name is not written in the call (a table of names) must be one of ``DYNAMIC_READS``, whose names
come from the table itself; a new one fails here until its table is added."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from opendvc.core.limits import LIMITS
from opendvc.core.retention import POLICIES

ROOT = Path(__file__).resolve().parents[4]
SRC = ROOT / "src" / "opendvc"
DEPLOY = ROOT / "deploy"
VARIABLE = re.compile(r"#?\s*([A-Z][A-Z0-9_]+)=")

#: Reads with a computed name: (file, function) -> the names it may read.
DYNAMIC_READS = {
    ("core/limits.py", "_setting"): {
        name
        for limit in LIMITS.values()
        for name in (limit.amount_setting, limit.window_setting)
        if name
    },
    ("core/retention.py", "value"): {p.setting for p in POLICIES if p.setting},
}
#: Read by a library rather than by the portal's code, and documented for the operator.
READ_BY_LIBRARIES = {
    "AWS_ACCESS_KEY_ID": "boto3 (django-storages) reads the bucket's credentials itself",
    "AWS_SECRET_ACCESS_KEY": "boto3 (django-storages) reads the bucket's credentials itself",
}
#: Read by the code but not the operator's to set.
NOT_SETTINGS = {
    "DJANGO_SETTINGS_MODULE": "chosen from DJANGO_ENV by manage.py, wsgi.py and celery.py",
}


def _is_test_only(path: Path) -> bool:
    relative = path.relative_to(SRC).as_posix()
    return (
        "/tests/" in f"/{relative}" or path.name == "conftest.py" or relative == "settings/test.py"
    )


def _env_read_name(call: ast.Call) -> ast.expr | None:
    """The name argument of a read of the environment, or None when ``call`` is not one."""
    func = call.func
    if isinstance(func, ast.Name) and func.id == "env":
        return call.args[0] if call.args else None
    if isinstance(func, ast.Attribute):
        owner = func.value
        if isinstance(owner, ast.Name) and owner.id == "env":
            # env.db_url_config(url) and the like parse a value; they read nothing.
            return None if func.attr.endswith("_config") else (call.args[0] if call.args else None)
        if func.attr == "get" and isinstance(owner, ast.Attribute) and owner.attr == "environ":
            return call.args[0]
        if func.attr == "getenv":
            return call.args[0]
    return None


def _walk_with_scope(node: ast.AST, scope: str):
    """Every node under ``node`` with the name of the function it is in ("" at module level)."""
    for child in ast.iter_child_nodes(node):
        yield child, scope
        inner = child.name if isinstance(child, ast.FunctionDef) else scope
        yield from _walk_with_scope(child, inner)


def environment_reads() -> tuple[dict[str, set[str]], list[str]]:
    """Names read from the environment by the deployed code (with where), and the reads whose name
    is computed and not accounted for by ``DYNAMIC_READS``."""
    files = [p for p in SRC.rglob("*.py") if not _is_test_only(p)]
    files += [DEPLOY / "gunicorn.conf.py", ROOT / "manage.py"]
    names: dict[str, set[str]] = {}
    unexplained = []
    for path in files:
        tree = ast.parse(path.read_text(), str(path))
        where = path.relative_to(SRC if path.is_relative_to(SRC) else ROOT).as_posix()
        for node, scope in _walk_with_scope(tree, ""):
            if isinstance(node, ast.Call):
                arg = _env_read_name(node)
            elif isinstance(node, ast.Subscript) and (
                isinstance(node.value, ast.Attribute) and node.value.attr == "environ"
            ):
                arg = node.slice
            else:
                continue
            if arg is None:
                continue
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                names.setdefault(arg.value, set()).add(f"{where}:{node.lineno}")
            elif (where, scope) in DYNAMIC_READS:
                for name in DYNAMIC_READS[(where, scope)]:
                    names.setdefault(name, set()).add(f"{where}:{node.lineno}")
            else:
                unexplained.append(f"{where}:{node.lineno} {ast.unparse(node)}")
    # The image's health check and command run in a shell that expands ${NAME}.
    dockerfile = re.sub(r"\\\n", " ", (DEPLOY / "Dockerfile").read_text())
    for line in dockerfile.splitlines():
        if line.startswith(("HEALTHCHECK ", "CMD ")):
            for name in re.findall(r"\$\{([A-Z][A-Z0-9_]+)", line):
                names.setdefault(name, set()).add("deploy/Dockerfile")
    return names, sorted(set(unexplained))


def env_example() -> list[str]:
    return (ROOT / ".env.example").read_text().splitlines()


def documented_names() -> set[str]:
    return {m.group(1) for line in env_example() if (m := VARIABLE.match(line))}


def test_every_computed_read_of_the_environment_is_accounted_for():
    _, unexplained = environment_reads()
    assert unexplained == []


def test_the_scan_finds_reads_of_every_form():
    """The scan is the test: it must see each way the code reads a variable."""
    names, _ = environment_reads()
    assert "DATABASE_URL" in names  # env(...)
    assert "DEBUG" in names  # env.bool(...)
    assert "GUNICORN_TIMEOUT" in names  # os.environ.get(...) in deploy/gunicorn.conf.py
    assert "SIGNING_PKCS12_PASSPHRASE" in names  # os.environ.get(...) in a management command
    assert "OPENDVC_WARM_UP" in names  # wsgi.py
    assert "RATE_LIMIT_LOGIN_FAILED_PER_ACCOUNT" in names  # core.limits' table
    assert "NOTIFICATION_LOG_DAYS" in names  # core.retention's table
    assert "HEALTHCHECK_HOST" in names  # the image's health check
    assert "OPENDVC_TEST_TMP" not in names  # the test profile only


def test_every_variable_the_code_reads_is_in_env_example():
    names, _ = environment_reads()
    missing = {
        name: sorted(where)
        for name, where in names.items()
        if name not in documented_names() and name not in NOT_SETTINGS
    }
    assert missing == {}


def test_env_example_lists_no_variable_the_code_no_longer_reads():
    names, _ = environment_reads()
    assert documented_names() - set(names) - set(READ_BY_LIBRARIES) == set()


def test_every_variable_in_env_example_is_described():
    """Each variable has a comment on its line or sits in a group right under one: a variable on a
    line of its own after a blank line says nothing of what it does, its default or its unit."""
    lines = env_example()
    undescribed = []
    for i, line in enumerate(lines):
        m = VARIABLE.match(line)
        if not m or re.search(r"\s#\s", line.split("=", 1)[1]):
            continue
        above = i - 1
        while above >= 0 and VARIABLE.match(lines[above]):
            above -= 1
        if above < 0 or not lines[above].startswith("#"):
            undescribed.append(m.group(1))
    assert undescribed == []
