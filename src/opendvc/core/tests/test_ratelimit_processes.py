"""Every request limit holds across gunicorn worker processes.

The portal runs under gunicorn with 3 workers on a copy of the test database; requests are fired
concurrently so several workers serve them. A limit counted per process would let about three
times the allowed number through. Run once with the database as the shared store and once with
Redis.
"""

from __future__ import annotations

import base64
import io
import itertools
import os
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from .served import (
    Browser,
    database_copy,
    free_port,
    manage,
    server_env,
    server_log,
    start_gunicorn,
    stop,
    wait_ready,
)

# django_db: the test database must exist, it is copied for the served portal.
pytestmark = [pytest.mark.slow, pytest.mark.django_db]

# Fixed windows start at multiples of their length: a window of a year keeps the test clear of a
# boundary (a one-hour window once reset the count at 23:00 in the middle of a test).
YEAR = str(365 * 24 * 3600)
LIMITS = {
    "RATE_LIMIT_LOGIN_FAILED_PER_ACCOUNT": "4",
    "RATE_LIMIT_LOGIN_FAILED_PER_IP": "5",
    "RATE_LIMIT_LOGIN_WINDOW_SECONDS": "3600",
    "RATE_LIMIT_SIGNUP": "3",
    "RATE_LIMIT_SIGNUP_WINDOW_SECONDS": "3600",
    "RATE_LIMIT_PASSWORD_RESET_PER_IP": "5",
    "RATE_LIMIT_PASSWORD_RESET_PER_ACCOUNT": "3",
    "RATE_LIMIT_PASSWORD_RESET_WINDOW_SECONDS": "3600",
    "FEEDBACK_RATE_LIMIT": "4",
    "FEEDBACK_RATE_WINDOW_SECONDS": YEAR,
    "DOSSIER_LOOKUP_RATE_PER_MINUTE": "6",
    "DOSSIER_LOOKUP_RATE_WINDOW_SECONDS": YEAR,
    "RATE_LIMIT_UPLOADS": "3",
    "RATE_LIMIT_UPLOADS_WINDOW_SECONDS": YEAR,
    "RATE_LIMIT_API_TOKEN_FAILURES": "4",
    "RATE_LIMIT_API_TOKEN_WINDOW_SECONDS": YEAR,
}
_ips = (f"10.{a}.{b}.7" for a, b in itertools.product(range(20, 250), range(1, 250)))


def fire(calls, *, threads: int = 6):
    """Run the calls concurrently, several in flight so that several workers answer."""
    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(lambda call: call(), calls))


@pytest.fixture(scope="module", params=["database", "redis"])
def portal(request, django_db_setup, django_db_blocker, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f"served-{request.param}")
    extra = {
        "CACHE_BACKEND": request.param,
        "CACHE_KEY_PREFIX": uuid.uuid4().hex,
        "TRUSTED_PROXY_COUNT": "1",
        **LIMITS,
    }
    if request.param == "redis":
        extra["REDIS_URL"] = request.getfixturevalue("redis_url")
        extra["CELERY_TASK_ALWAYS_EAGER"] = "true"
    with django_db_blocker.unblock(), database_copy(tmp) as url:
        env = server_env(url, tmp, **extra)
        raw_token = (
            manage(
                env,
                "shell",
                "-c",
                (
                    "from opendvc.accounts.models import User; from opendvc.api.services import api_token_create; "
                    "u = User.objects.create_user(email='gioihan@example.vn', password='Dung-mat-khau-2026'); "
                    "[User.objects.create_user(email=f'datlai{i}@example.vn', password='x') for i in range(10)]; "
                    "print(api_token_create(owner=u, name='t', scopes=['*'])[1])"
                ),
            )
            .strip()
            .splitlines()[-1]
        )
        port = free_port()
        proc = start_gunicorn(env, port, workers=3)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_ready(base, proc)
            yield {"base": base, "token": raw_token, "proc": proc}
        finally:
            stop(proc)
            if request.param == "redis":
                import redis

                client = redis.Redis.from_url(extra["REDIS_URL"])
                keys = list(client.scan_iter(f"*{extra['CACHE_KEY_PREFIX']}*"))
                if keys:
                    client.delete(*keys)


def _login(base, login, password, ip):
    b = Browser(base, ip)
    b.request("GET", "/tai-khoan/login/")
    return b.request("POST", "/tai-khoan/login/", form={"login": login, "password": password})


LOCKED = "đăng nhập sai quá nhiều lần"
WRONG = "mật khẩu không đúng"


def _outcomes(results) -> list[str]:
    """Each sign-in answer as "wrong" (the password was checked), "locked" (the lockout),
    "refused" (a 429: allauth's general sign-in limit answers so when it cannot take its counter's
    lock within a second, which a loaded machine with several requests from one address reaches)
    or, unexpected, its status and the start of its text."""
    return [
        "locked"
        if LOCKED in r.text
        else "wrong"
        if WRONG in r.text
        else "refused"
        if r.status_code == 429
        else f"{r.status_code}: {' '.join(r.text.split())[:300]}"
        for r in results
    ]


def _assert_checked(portal, outcomes, checked: int) -> None:
    """Exactly ``checked`` passwords were checked and every other attempt was refused."""
    refused = outcomes.count("locked") + outcomes.count("refused")
    assert (outcomes.count("wrong"), refused) == (checked, len(outcomes) - checked), (
        outcomes,
        server_log(portal["proc"]),
    )
    assert "locked" in outcomes, outcomes


def test_login_lockout_per_account_across_workers(portal):
    base = portal["base"]
    # One account, each attempt from another address: the account's own count locks it.
    results = fire(
        [
            lambda ip=next(_ips): _login(base, "gioihan@example.vn", "sai-mat-khau", ip)
            for _ in range(12)
        ]
    )
    _assert_checked(portal, _outcomes(results), 4)
    # Locked means locked: the right password from a fresh address is refused too.
    r = _login(base, "gioihan@example.vn", "Dung-mat-khau-2026", next(_ips))
    assert r.status_code == 200 and LOCKED in r.text


def test_login_lockout_per_address_across_workers(portal):
    base, ip = portal["base"], next(_ips)
    # Password spraying: a different account each time from one address.
    results = fire(
        [lambda i=i: _login(base, f"nguoi{i}@example.vn", "sai-mat-khau", ip) for i in range(12)]
    )
    _assert_checked(portal, _outcomes(results), 5)


def test_signup_limit_across_workers(portal):
    base, ip = portal["base"], next(_ips)

    def signup(i):
        b = Browser(base, ip)
        b.request("GET", "/tai-khoan/signup/")
        return b.request(
            "POST",
            "/tai-khoan/signup/",
            form={
                "full_name": "Lê Văn Thử",
                "email": f"dangky{i}-{uuid.uuid4().hex[:6]}@example.vn",
                "password1": "Mat-khau-dai-2026",
                "password2": "Mat-khau-dai-2026",
            },
        )

    codes = [r.status_code for r in fire([lambda i=i: signup(i) for i in range(9)])]
    assert codes.count(429) == 6 and codes.count(302) == 3, codes


def test_password_reset_limits_across_workers(portal):
    base = portal["base"]

    def reset(email, ip):
        b = Browser(base, ip)
        b.request("GET", "/tai-khoan/password/reset/")
        return b.request("POST", "/tai-khoan/password/reset/", form={"email": email})

    # Per account: one address mailed at most 3 times, whoever asks.
    codes = [
        r.status_code
        for r in fire([lambda ip=next(_ips): reset("gioihan@example.vn", ip) for _ in range(9)])
    ]
    assert codes.count(302) == 3 and codes.count(429) == 6, codes
    # Per address: 5 requests, whatever the account.
    ip = next(_ips)
    codes = [
        r.status_code
        for r in fire([lambda i=i: reset(f"datlai{i}@example.vn", ip) for i in range(10)])
    ]
    assert codes.count(302) == 5 and codes.count(429) == 5, codes


def test_feedback_limit_counts_web_form_and_api_together(portal):
    base, ip = portal["base"], next(_ips)
    item = {
        "kind": "question",
        "subject": "Hỏi về lệ phí",
        "content": "Lệ phí cấp bản sao bao nhiêu?",
        "sender_name": "Trịnh Văn K",
        "sender_phone": "0934567890",
    }

    def by_api():
        return Browser(base, ip).request("POST", "/api/v1/feedback/public", json_body=item)

    def by_form():
        b = Browser(base, ip)
        b.request("GET", "/phan-anh-kien-nghi/gui/")
        return b.request(
            "POST", "/phan-anh-kien-nghi/gui/", form={**item, "sender_email": "", "website": ""}
        )

    results = fire([by_api, by_form] * 6)
    stored = [r for r in results if r.status_code in (201, 302)]
    refused = [r for r in results if r.status_code == 429]
    assert len(stored) == 4 and len(refused) == 8, [r.status_code for r in results]
    # Another address is not affected.
    assert (
        Browser(base, next(_ips))
        .request("POST", "/api/v1/feedback/public", json_body=item)
        .status_code
        == 201
    )


def test_public_lookup_limit_across_workers(portal):
    base, ip = portal["base"], next(_ips)
    paths = [
        "/api/v1/public/dossiers/000.00.32.H19-260101-0001?key=SAI",
        "/tra-cuu/?ma=000.00.32.H19-260101-0001&khoa=SAI",
    ]
    results = fire([lambda p=p: Browser(base, ip).request("GET", p) for p in paths * 10])
    codes = [r.status_code for r in results]
    assert codes.count(429) == 14 and len(codes) - codes.count(429) == 6, codes


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (16, 16), "white").save(out, format="PNG")
    return out.getvalue()


def test_upload_limit_per_account_across_workers(portal):
    base = portal["base"]
    boundary = "----opendvc" + uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="anh.png"\r\n'
            f"Content-Type: image/png\r\n\r\n"
        ).encode()
        + _png()
        + f"\r\n--{boundary}--\r\n".encode()
    )
    headers = {
        "Authorization": f"Bearer {portal['token']}",
        "Content-Type": f"multipart/form-data; boundary={boundary}",
    }
    # Each from another address: the limit is the account's.
    results = fire(
        [
            lambda ip=next(_ips): Browser(base, ip).request(
                "POST", "/api/v1/files", data=body, headers=headers
            )
            for _ in range(8)
        ]
    )
    codes = [r.status_code for r in results]
    assert codes.count(201) == 3 and codes.count(429) == 5, [
        (r.status_code, r.text[:200]) for r in results
    ]


def test_bearer_token_guessing_is_blocked_across_workers(portal):
    base, ip = portal["base"], next(_ips)
    guesses = [f"odvc_{base64.urlsafe_b64encode(os.urandom(24)).decode()}" for _ in range(10)]
    results = fire(
        [
            lambda g=g: Browser(base, ip).request(
                "GET", "/api/v1/me", headers={"Authorization": f"Bearer {g}"}
            )
            for g in guesses
        ]
    )
    codes = [r.status_code for r in results]
    assert codes.count(401) == 4 and codes.count(429) == 6, codes
    # Now even the right token is refused from that address, and works from another one.
    good = {"Authorization": f"Bearer {portal['token']}"}
    assert Browser(base, ip).request("GET", "/api/v1/me", headers=good).status_code == 429
    assert Browser(base, next(_ips)).request("GET", "/api/v1/me", headers=good).status_code == 200
