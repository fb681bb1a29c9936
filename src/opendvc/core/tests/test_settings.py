"""The production profile refuses unsafe settings and passes `check --deploy` with no warning."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import checks

from opendvc.core import checks as checks_module
from opendvc.core.checks import HARFBUZZ_SUBSET_MISSING, harfbuzz_subset_present

ROOT = Path(__file__).resolve().parents[4]
SAFE = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "k" * 20 + "production-secret-key-for-the-check-0123456789abcdef",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
    "ALLOWED_HOSTS": "dichvucong.example.vn",
    "FIELD_ENCRYPTION_KEYS": "4euI1BWtQw1V0J6nmzAJCQVn7QNDKwVlZc_ne922XEg=",
    "LOOKUP_HASH_KEY": "production-lookup-key",
    "PORTAL_BASE_URL": "https://dichvucong.example.vn",
    "CACHE_BACKEND": "database",
    "AUDIT_MAC_KEY": "production-audit-mac-key-0123456789abcdef",
}


def _manage(args, **overrides):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DJANGO_SETTINGS_MODULE", "DEBUG", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(SAFE)
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean():
    result = _manage(["check", "--deploy", "--fail-level", "WARNING"])
    if harfbuzz_subset_present():
        assert result.returncode == 0, result.stdout + result.stderr
        assert "WARNING" not in result.stderr and "?:" not in result.stdout
    else:
        # A machine without the PDF engine's font subsetting: that warning, and no other.
        assert result.returncode != 0
        assert HARFBUZZ_SUBSET_MISSING in result.stderr
        assert "issue" in result.stderr and "1 issue" in result.stderr, result.stderr


def test_missing_font_subsetting_is_a_deployment_warning(monkeypatch):
    monkeypatch.setattr(checks_module, "harfbuzz_subset_present", lambda: False)
    [warning] = checks_module.pdf_font_subsetting()
    assert warning.id == HARFBUZZ_SUBSET_MISSING and warning.level == checks.WARNING
    assert "libharfbuzz-subset0" in warning.hint
    monkeypatch.setattr(checks_module, "harfbuzz_subset_present", lambda: True)
    assert checks_module.pdf_font_subsetting() == []
    # Given with the deployment checks only.
    assert checks_module.pdf_font_subsetting in checks.registry.registry.get_checks(
        include_deployment_checks=True
    )
    assert checks_module.pdf_font_subsetting not in checks.registry.registry.get_checks()


@pytest.mark.parametrize(
    ("keys", "said"),
    [
        (["{dev}"], "encrypts with"),
        (["{new}", "{dev}"], "still holds"),
        ([" {dev} "], "encrypts with"),
    ],
)
def test_the_development_encryption_key_is_a_deployment_warning(settings, keys, said):
    """The key embedded in the source decrypts whatever it encrypted for anyone who reads it."""
    from cryptography.fernet import Fernet

    new = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [
        k.format(dev=settings.DEVELOPMENT_FIELD_ENCRYPTION_KEY, new=new) for k in keys
    ]
    [warning] = checks_module.development_encryption_key()
    assert warning.id == checks_module.DEVELOPMENT_ENCRYPTION_KEY and warning.level == checks.WARNING
    assert said in warning.msg and "rotate_encryption_keys" in warning.hint
    settings.FIELD_ENCRYPTION_KEYS = [new]
    assert checks_module.development_encryption_key() == []
    assert checks_module.development_encryption_key in checks.registry.registry.get_checks(
        include_deployment_checks=True
    )
    assert checks_module.development_encryption_key not in checks.registry.registry.get_checks()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"SECRET_KEY": None}, "SECRET_KEY"),
        ({"DEBUG": "true"}, "DEBUG"),
        ({"DATABASE_URL": None}, "SQLite"),
        ({"FIELD_ENCRYPTION_KEYS": None}, "FIELD_ENCRYPTION_KEYS"),
        ({"PORTAL_BASE_URL": None}, "PORTAL_BASE_URL"),
        ({"PORTAL_BASE_URL": ""}, "PORTAL_BASE_URL"),
        ({"PORTAL_BASE_URL": "dichvucong.example.vn"}, "PORTAL_BASE_URL"),
        # A cache per worker process multiplies every limit by the number of workers.
        ({"CACHE_BACKEND": None, "REDIS_URL": None}, "shared by every worker"),
        ({"CACHE_BACKEND": "local"}, "shared by every worker"),
        ({"AUDIT_MAC_KEY": None}, "AUDIT_MAC_KEY"),
        ({"AUDIT_MAC_KEY": "short"}, "AUDIT_MAC_KEY"),
    ],
)
def test_production_refuses_unsafe_settings(overrides, message):
    result = _manage(["check"], **overrides)
    assert result.returncode != 0
    assert message in result.stderr


def test_redis_counts_as_a_shared_cache():
    result = _manage(["check"], CACHE_BACKEND=None, REDIS_URL="redis://127.0.0.1:6379/7")
    assert result.returncode == 0, result.stderr


def test_sqlite_allowed_in_production_only_when_asked(tmp_path):
    result = _manage(
        ["check"],
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        ALLOW_SQLITE_IN_PRODUCTION="true",
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("email_url", "expected"),
    [
        ("", "var/mail"),
        ("filemail://var/mail", "var/mail"),
        ("filemail:///srv/portal-mail", "/srv/portal-mail"),
    ],
)
def test_mail_folder_from_email_url(email_url, expected, tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DJANGO_SETTINGS_MODULE", "OPENDVC_VAR_DIR"}
    }
    env.update({"EMAIL_URL": email_url, "DATABASE_URL": "", "DJANGO_ENV": "development"})
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "manage.py"),
            "shell",
            "-c",
            "from django.conf import settings; print(settings.EMAIL_FILE_PATH)",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    path = result.stdout.strip().splitlines()[-1]
    assert path == (expected if expected.startswith("/") else str(ROOT / expected))


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, "{'server_side_binding': True, 'prepare_threshold': 5}"), ("false", "{}")],
)
def test_prepared_statements_on_postgresql_unless_turned_off(value, expected):
    shell = "from django.conf import settings; print(settings.DATABASES['default'].get('OPTIONS', {}))"
    result = _manage(["shell", "-c", shell], DB_PREPARED_STATEMENTS=value)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == expected


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_repeated_statement_is_prepared_on_its_connection():
    """The database plans a statement run again and again once per connection (pg_prepared_statements)."""
    from django.db import connection

    from opendvc.catalog.models import Procedure

    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    for code in ["1.000001", "1.000002", "1.000003", "1.000004", "1.000005", "1.000006"]:
        assert list(Procedure.objects.filter(code=code)) == []
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any('FROM "catalog_procedure"' in s and '"code" = $1' in s for s in prepared), prepared
