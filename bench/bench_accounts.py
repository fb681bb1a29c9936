"""Benchmark of the personal-data and access-control paths of accounts and agencies.

Setup: a fresh temporary SQLite database (or ``DATABASE_URL``), migrated, with the demo agencies
and ``USERS`` synthetic citizens whose phone numbers and CCCD are encrypted like real ones.

Figures (median of many runs, in-process, no HTTP):
* phone login lookup through the HMAC column among ``USERS`` accounts (target ≤ 2 ms),
* Fernet encrypt + decrypt of one CCCD (target ≤ 0.2 ms),
* ``visible_agency_ids`` for a leader (tree walk + role query, target ≤ 2 ms),
* re-encryption by ``rotate_encryption_keys`` per stored value (target ≤ 0.5 ms).

Run: ``.venv/bin/python bench/bench_accounts.py``. ``run()`` returns (metric, measured, target) rows.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
USERS = 3000


def _setup() -> None:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opendvc.settings.development")
    if not os.environ.get("DATABASE_URL"):
        tmp = Path(tempfile.mkdtemp(prefix="opendvc-bench-accounts-"))
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _median_ms(fn, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples)


def run() -> list[tuple[str, str, str]]:
    _setup()
    from cryptography.fernet import Fernet
    from django.conf import settings
    from django.db import transaction

    from opendvc.accounts import crypto
    from opendvc.accounts.models import PersonProfile, User
    from opendvc.accounts.services import rotate_encryption_keys
    from opendvc.agencies import demo as agency_demo
    from opendvc.agencies.models import Agency, StaffRole
    from opendvc.agencies.selectors import visible_agency_ids

    agency_demo.seed()
    prefix = "bench-"
    if User.objects.filter(email__startswith=prefix).count() < USERS:
        with transaction.atomic():
            users = []
            for i in range(USERS):
                u = User(email=f"{prefix}{i}@example.vn", full_name=f"Người dùng {i}")
                u.phone = f"09{i:08d}"
                u.set_unusable_password()
                users.append(u)
            User.objects.bulk_create(users, batch_size=500, ignore_conflicts=True)
            profiles = []
            for u in User.objects.filter(email__startswith=prefix):
                p = PersonProfile(user=u)
                p.cccd = f"075090{u.pk:06d}"
                profiles.append(p)
            PersonProfile.objects.bulk_create(profiles, batch_size=500, ignore_conflicts=True)

    numbers = [f"+84 9{i:08d}" for i in range(0, USERS, 97)]

    def lookup():
        for n in numbers:
            User.objects.get_by_natural_key(n)

    lookup_ms = _median_ms(lookup, 20) / len(numbers)
    cipher_ms = _median_ms(lambda: crypto.decrypt(crypto.encrypt("075090123456")), 2000)

    leader = User.objects.filter(email__startswith=prefix).first()
    StaffRole.objects.get_or_create(
        user=leader, agency=Agency.objects.get(code="000.00.00.H19"), role="leader"
    )

    def tree():
        leader._staff_roles_cache = None
        visible_agency_ids(leader)

    tree_ms = _median_ms(tree, 500)

    old = list(settings.FIELD_ENCRYPTION_KEYS)
    temporary = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [temporary, *old]
    crypto._fernet.cache_clear()
    t0 = time.perf_counter()
    counts = rotate_encryption_keys()
    rotate_ms = (time.perf_counter() - t0) * 1000 / max(1, counts["phones"] + counts["cccds"])
    # Rotate back so the stored values are readable with the configured keys again.
    settings.FIELD_ENCRYPTION_KEYS = [*old, temporary]
    crypto._fernet.cache_clear()
    rotate_encryption_keys()
    settings.FIELD_ENCRYPTION_KEYS = old
    crypto._fernet.cache_clear()
    assert User.objects.get_by_natural_key(numbers[0]).phone == "0900000000"

    return [
        (
            f"phone login lookup among {USERS} accounts (HMAC column)",
            f"{lookup_ms:.3f} ms",
            "≤ 2 ms",
        ),
        ("encrypt + decrypt one CCCD (Fernet)", f"{cipher_ms:.3f} ms", "≤ 0.2 ms"),
        ("visible agencies of a province leader", f"{tree_ms:.3f} ms", "≤ 2 ms"),
        ("key rotation per stored value", f"{rotate_ms:.3f} ms", "≤ 0.5 ms"),
    ]


if __name__ == "__main__":
    for metric, measured, target in run():
        print(f"{metric}: {measured} (target {target})")
