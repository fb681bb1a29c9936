"""The Makefile: uv called by its path, and links following the address `make run` serves."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[4]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def _dry_run(*targets: str, tmp_path: Path, **variables: str) -> list[str]:
    """``make -n``: the commands the targets would run, without running them."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path / "home"), "LANG": "C.UTF-8"}
    env.update({k: v for k, v in variables.items() if k.isupper() and k != "HOST" and k != "PORT"})
    args = [f"{k}={v}" for k, v in variables.items() if k in {"HOST", "PORT"}]
    result = subprocess.run(
        ["make", "-n", "-C", str(ROOT), *targets, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


@pytest.mark.parametrize("targets", [("install",), ("lint",), ("format",), ("test",)])
def test_uv_is_called_by_its_path_when_it_is_not_on_path(tmp_path, targets):
    """``pip install --user uv`` puts uv in ~/.local/bin, often missing from PATH."""
    lines = _dry_run(*targets, tmp_path=tmp_path)
    uv = str(tmp_path / "home" / ".local" / "bin" / "uv")
    bare = [line for line in lines if re.search(r"(^|[;&|(])\s*uv\s", line)]
    assert bare == [], f"recipes call a bare `uv`: {bare}"
    assert any(line.startswith(f"{uv} sync --frozen") for line in lines)


@pytest.mark.parametrize(
    ("host", "port", "expected"),
    [
        ("127.0.0.1", "8000", "http://127.0.0.1:8000"),
        ("127.0.0.1", "8123", "http://127.0.0.1:8123"),
        ("localhost", "9000", "http://localhost:9000"),
    ],
)
def test_run_links_follow_host_and_port(tmp_path, host, port, expected):
    [command] = [
        line
        for line in _dry_run("run", tmp_path=tmp_path, HOST=host, PORT=port)
        if "runserver" in line
    ]
    assert command.startswith(f"PORTAL_BASE_URL='{expected}' ")
    assert command.endswith(f"runserver {host}:{port}")


def test_run_on_a_wildcard_address_lets_each_request_give_the_host(tmp_path):
    lines = _dry_run("run", "worker", tmp_path=tmp_path, HOST="0.0.0.0", PORT="8080")
    [serve] = [line for line in lines if "runserver" in line]
    [worker] = [line for line in lines if "celery" in line]
    assert serve.startswith("PORTAL_BASE_URL='' ")
    assert worker.startswith("PORTAL_BASE_URL='http://127.0.0.1:8080' ")


def test_a_configured_base_url_is_kept(tmp_path):
    lines = _dry_run(
        "run",
        "worker",
        "beat",
        tmp_path=tmp_path,
        PORT="8080",
        PORTAL_BASE_URL="https://dichvucong.example.vn",
    )
    commands = [line for line in lines if "runserver" in line or "celery" in line]
    assert len(commands) == 3
    assert all(c.startswith("PORTAL_BASE_URL='https://dichvucong.example.vn' ") for c in commands)
