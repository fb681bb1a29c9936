"""The ICT department's outbox page and its JSON twin: backlog per destination, failures with their
last error, replay, pause; and the relay's claim rules (order per key, pause, release after failure)."""

from __future__ import annotations

import pytest

from opendvc.api.services import api_token_create
from opendvc.dossiers.tests.conftest import sign_in, staff
from opendvc.integrations.models import Delivery
from opendvc.integrations.outbox import outbox_enqueue, outbox_relay

pytestmark = pytest.mark.django_db


@pytest.fixture
def ict(agencies):
    return staff("ict_department", "000.00.00.H19")


def _sync(code: str, i: int, *, state: str = "submitted") -> dict:
    return {
        "isUpdating": i > 0,
        "state": state,
        "channel": "online",
        "data": {
            "MaHoSo": code,
            "MaTTHC": "1.001193",
            "TenTTHC": "Đăng ký khai sinh",
            "ChuHoSo": "Nguyễn Văn An",
            "DonViXuLy": "000.00.32.H19",
        },
    }


def _enqueue(code: str, n: int) -> list:
    return [
        outbox_enqueue(
            kind="national.DongBoHoSoMC",
            payload=_sync(code, i),
            destinations=["national"],
            ordering_key=f"dossier:{code}",
        )
        for i in range(n)
    ]


def test_each_dossier_in_order_and_a_failure_holds_the_rest(national):
    a, b = _enqueue("A-1", 5), _enqueue("B-1", 3)
    national.switches.down = True
    result = outbox_relay(budget_seconds=0)
    # One attempt per dossier; the deliveries after each failed one are released, not sent.
    assert result.failed == 2 and result.released == 6
    assert Delivery.objects.filter(status="pending", attempts=0).count() == 6
    national.switches.down = False
    outbox_relay(budget_seconds=5)
    assert [m for m, _s, c in national.applied if c == "A-1"] == [str(m.message_id) for m in a]
    assert [m for m, _s, c in national.applied if c == "B-1"] == [str(m.message_id) for m in b]


def test_page_shows_backlog_and_failures_and_replays(client, national, ict, settings):
    _enqueue("C-1", 2)
    national.switches.status = 500
    outbox_relay(budget_seconds=0)
    sign_in(client, ict)
    page = client.get("/quan-tri/lien-thong/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "national" in html and "HTTP 500" in html
    failed = Delivery.objects.get(status="failed")
    national.switches.status = None
    settings.OUTBOX_BACKOFF_BASE_SECONDS = 3600.0
    Delivery.objects.filter(pk=failed.pk).update(status="dead")
    response = client.post("/quan-tri/lien-thong/", {"op": "replay", "delivery": [failed.pk]})
    assert response.status_code == 302
    assert Delivery.objects.get(pk=failed.pk).status == "pending"
    outbox_relay(budget_seconds=5)
    assert set(Delivery.objects.values_list("status", flat=True)) == {"delivered"}


def test_a_paused_destination_waits(client, national, ict):
    sign_in(client, ict)
    client.post("/quan-tri/lien-thong/", {"op": "pause", "destination": "national"})
    _enqueue("D-1", 1)
    assert outbox_relay(budget_seconds=0).claimed == 0
    client.post("/quan-tri/lien-thong/", {"op": "resume", "destination": "national"})
    assert outbox_relay(budget_seconds=0).delivered == 1


def test_the_page_is_for_the_ict_department(client, officer):
    sign_in(client, officer)
    assert client.get("/quan-tri/lien-thong/").status_code == 403


def test_the_same_as_json(client, national, ict):
    _enqueue("E-1", 3)
    national.switches.malformed = True
    outbox_relay(budget_seconds=0)
    _token, raw = api_token_create(owner=ict, name="giam-sat", scopes=["read"])
    answer = client.get("/api/v1/integrations/outbox", headers={"Authorization": f"Bearer {raw}"})
    assert answer.status_code == 200
    data = answer.json()
    row = data["destinations"][0]
    assert row["destination"] == "national" and row["failed"] == 1 and row["pending"] == 2
    assert row["backlog"] == 3 and row["oldest_open_at"]
    assert "JSON" in data["failures"][0]["last_error"] and data["mapping_problems"] == []
    # Replaying needs the integrations scope.
    denied = client.post(
        "/api/v1/integrations/outbox/replay",
        data={"ids": [data["failures"][0]["id"]]},
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert denied.status_code == 403
    _token, writer = api_token_create(owner=ict, name="ict", scopes=["read", "integrations"])
    paused = client.post(
        "/api/v1/integrations/outbox/destinations/national",
        data={"paused": True},
        content_type="application/json",
        headers={"Authorization": f"Bearer {writer}"},
    )
    assert paused.json() == {"destination": "national", "paused": True}


@pytest.mark.parametrize(
    ("language", "error", "code"),
    [
        ("vi", "Nơi nhận trả lời HTTP 500: ", "Hồ sơ không ở bước"),
        ("en", "The destination answered HTTP 500: ", "The dossier is not at a step"),
    ],
)
def test_the_json_says_errors_and_codes_in_the_requests_language(
    client, national, ict, language, error, code
):
    """The JSON gave the stored last error and the inbound code only (Vietnamese words, a bare code):
    each now has its words in the request's language beside it, the raw values unchanged."""
    from opendvc.integrations.models import InboundMessage

    _enqueue("J-1", 1)
    national.switches.status = 500
    outbox_relay(budget_seconds=0)
    InboundMessage.objects.create(
        peer="onestop", message_id="m-1", outcome="refused", code="conflict"
    )
    _token, raw = api_token_create(owner=ict, name="giam-sat", scopes=["read"])
    data = client.get(
        "/api/v1/integrations/outbox",
        headers={"Authorization": f"Bearer {raw}", "Accept-Language": language},
    ).json()
    [failure] = data["failures"]
    assert failure["last_error"].startswith("Nơi nhận trả lời HTTP 500: ")
    assert failure["last_error_label"].startswith(error)
    [inbound] = data["inbound"]
    assert inbound["code"] == "conflict" and inbound["code_label"].startswith(code)


def test_json_is_refused_to_others(client, officer):
    _token, raw = api_token_create(owner=officer, name="x", scopes=["read"])
    answer = client.get("/api/v1/integrations/outbox", headers={"Authorization": f"Bearer {raw}"})
    assert answer.status_code == 403


@pytest.mark.parametrize("code", ["zzz", "%E2%80%AE%F0%9F%98%80", "national2"])
def test_only_a_destination_the_portal_sends_to_can_be_paused(client, ict, code):
    from opendvc.integrations.models import Destination

    _token, writer = api_token_create(owner=ict, name="ict", scopes=["read", "integrations"])
    answer = client.post(
        f"/api/v1/integrations/outbox/destinations/{code}",
        data={"paused": True},
        content_type="application/json",
        headers={"Authorization": f"Bearer {writer}"},
    )
    assert answer.status_code == 404
    assert answer["Content-Type"].startswith("application/problem+json")
    assert not Destination.objects.exists()  # no phantom destination on the monitoring page
    # A peer with a sender, or one named by its deliveries, can be paused before anything failed.
    outbox_enqueue(kind="x", payload={}, destinations=["govfeedback:hue"])
    for known in ("sms", "govfeedback:hue"):
        answer = client.post(
            f"/api/v1/integrations/outbox/destinations/{known}",
            data={"paused": True},
            content_type="application/json",
            headers={"Authorization": f"Bearer {writer}"},
        )
        assert answer.json() == {"destination": known, "paused": True}


def test_a_failure_names_what_it_is_and_the_dossier_it_is_about(
    client, national, ict, procedure, citizen
):
    """The ICT department reads each failure as what it is ("Đồng bộ hồ sơ lên Cổng DVC quốc gia", not
    the message's kind key) and which dossier it is about, on the page and in the JSON."""
    from opendvc.dossiers.tests.conftest import submitted_dossier

    dossier = submitted_dossier(procedure, citizen)
    outbox_enqueue(
        kind="national.DongBoHoSoMC",
        payload=_sync(dossier.code, 0),
        destinations=["national"],
        ordering_key=f"dossier:{dossier.pk}",
    )
    outbox_enqueue(kind="sms.send", payload={}, destinations=["sms"])
    Delivery.objects.exclude(message__ordering_key=f"dossier:{dossier.pk}").exclude(
        destination="sms"
    ).delete()  # what filing the dossier queued itself
    national.switches.status = 500
    outbox_relay(budget_seconds=0)
    sign_in(client, ict)
    html = client.get("/quan-tri/lien-thong/").content.decode()
    assert "Đồng bộ hồ sơ lên Cổng DVC quốc gia" in html and f"<td>{dossier.code}</td>" in html
    assert "<td>national.DongBoHoSoMC</td>" not in html
    _token, raw = api_token_create(owner=ict, name="giam-sat", scopes=["read"])
    data = client.get(
        "/api/v1/integrations/outbox", headers={"Authorization": f"Bearer {raw}"}
    ).json()
    rows = {r["kind"]: r for r in data["failures"]}
    row = rows["national.DongBoHoSoMC"]
    assert (
        row["subject"] == dossier.code
        and row["kind_label"] == "Đồng bộ hồ sơ lên Cổng DVC quốc gia"
    )
    # A text message (no provider configured here: it fails) is about no one record.
    assert rows["sms.send"]["subject"] == "" and rows["sms.send"]["kind_label"] == "Tin nhắn SMS"


@pytest.mark.parametrize(
    ("language", "words"),
    [
        (
            "vi",
            [
                "Cổng Dịch vụ công quốc gia",
                "Phần mềm một cửa điện tử của tỉnh",
                "Chuyển xử lý → Đang xử lý",
            ],
        ),
        (
            "en",
            [
                "National Public Service Portal",
                "one-stop software",
                "Pass on for processing → Being processed",
            ],
        ),
    ],
)
def test_peers_and_applied_requests_are_named_not_coded(client, national, ict, language, words):
    """The page showed the peers by their codes ("national", "onestop") and an applied request of the
    one-stop software as "start_processing → processing"."""
    from opendvc.integrations.models import InboundMessage

    _enqueue("F-1", 1)
    national.switches.status = 500
    outbox_relay(budget_seconds=0)
    InboundMessage.objects.create(
        peer="onestop",
        message_id="mc-1",
        outcome="accepted",
        detail="start_processing → processing",
    )
    sign_in(client, ict)
    client.cookies["django_language"] = language
    html = client.get("/quan-tri/lien-thong/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    for text in words:
        assert text in html, text
    for raw in ("start_processing", "<td>onestop</td>", "<td>national</td>", ">national</a>"):
        assert raw not in html, raw


@pytest.mark.parametrize("value", ["²", "9" * 25, "-1", "١"])
def test_the_ledgers_buttons_refuse_a_number_that_is_no_row(client, ict, value):
    """A posted id that ``str.isdigit`` accepts but ``int`` or the database cannot take ("²", 25
    digits) is no row: the page tells so instead of answering 500."""
    sign_in(client, ict)
    replay = client.post(
        "/quan-tri/lien-thong/", {"op": "replay", "delivery": [value]}, follow=True
    )
    assert replay.status_code == 200 and "Hãy chọn ít nhất một lượt gửi" in replay.content.decode()
    reapply = client.post("/quan-tri/lien-thong/", {"op": "reapply", "inbound": value}, follow=True)
    assert (
        reapply.status_code == 200
        and "Không có thông điệp nhận vào này." in reapply.content.decode()
    )


def test_a_refusals_reason_kept_in_vietnamese_is_marked_so_on_the_english_page(client, ict):
    """The log keeps a refusal's reason in Vietnamese (``onestop.inbound._refuse``): on the English
    page it is foreign text and says so (WCAG 2.1, 3.1.2); an applied request's detail is said in the
    page's language and is not marked."""
    from opendvc.integrations.models import InboundMessage

    InboundMessage.objects.create(
        peer="onestop",
        message_id="mc-r",
        outcome="refused",
        code="not_found",
        detail="Không tìm thấy hồ sơ do phần mềm một cửa xử lý.",
    )
    InboundMessage.objects.create(
        peer="onestop",
        message_id="mc-a",
        outcome="accepted",
        detail="start_processing → processing",
    )
    sign_in(client, ict)
    client.cookies["django_language"] = "en"
    html = client.get("/quan-tri/lien-thong/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<td lang="vi">Không tìm thấy hồ sơ do phần mềm một cửa xử lý.</td>' in html
    assert "<td>Pass on for processing → Being processed</td>" in html
    client.cookies["django_language"] = "vi"
    html = client.get("/quan-tri/lien-thong/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "<td>Không tìm thấy hồ sơ do phần mềm một cửa xử lý.</td>" in html


def test_a_transport_failure_is_said_in_the_pages_language(client, national, ict):
    """The relay stores a failure in Vietnamese ("Nơi nhận trả lời HTTP 500…") and the English page
    showed it so: a transport's failure is now said in the page's language around what the peer
    answered, the stored words unchanged; a text the relay did not word (a peer's refusal) is still
    shown as stored, marked as Vietnamese."""
    first, timed_out, refused = (_enqueue(code, 1)[0] for code in ("F-2", "F-3", "F-4"))
    national.switches.status = 500
    outbox_relay(budget_seconds=0)
    assert Delivery.objects.get(message=first).last_error.startswith("Nơi nhận trả lời HTTP 500: ")
    # A row written before the wording was marked for translation reads the same.
    Delivery.objects.filter(message=timed_out).update(
        last_error="Hết thời gian chờ (ReadTimeout): timed out"
    )
    Delivery.objects.filter(message=refused).update(last_error="Nơi nhận đang bảo trì đến 22:00")
    sign_in(client, ict)
    client.cookies["django_language"] = "en"
    html = client.get("/quan-tri/lien-thong/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<td>The destination answered HTTP 500: " in html
    assert "<td>Timed out waiting (ReadTimeout): timed out" in html
    assert '<td lang="vi">Nơi nhận đang bảo trì đến 22:00' in html
    client.cookies["django_language"] = "vi"
    html = client.get("/quan-tri/lien-thong/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "<td>Nơi nhận trả lời HTTP 500: " in html
    assert "<td>Hết thời gian chờ (ReadTimeout): timed out" in html


@pytest.mark.parametrize(
    ("stored", "english"),
    [
        (
            "Chưa cấu hình địa chỉ Cổng DVC quốc gia (NATIONAL_PORTAL_URL).",
            "The address of the National Public Service Portal is not configured",
        ),
        (
            "Cổng DVC quốc gia từ chối DongBoHoSoMC: 99 Sai mã",
            "The National Public Service Portal refused DongBoHoSoMC: 99 Sai mã",
        ),
        (
            "Phần mềm một cửa từ chối hồ sơ: {'status': 'error'}",
            "The one-stop software refused the dossier: {&#x27;status&#x27;: &#x27;error&#x27;}",
        ),
        ("Chưa cấu hình nhà cung cấp SMS (SMS_URL).", "No SMS provider is configured (SMS_URL)."),
        ("Thiếu số điện thoại nhận tin.", "The recipient&#x27;s phone number is missing."),
        (
            "Chưa cấu hình địa chỉ hệ thống nguoidan.",
            "The address of the system nguoidan is not configured.",
        ),
        (
            "nguoidan từ chối câu trả lời: {'error_code': '1'}",
            "nguoidan refused the answer: {&#x27;error_code&#x27;: &#x27;1&#x27;}",
        ),
    ],
)
def test_a_peer_clients_failure_is_said_in_the_pages_language(
    client, national, ict, stored, english
):
    """The failures each peer's client words (a setting missing, a code not mapped, the peer's
    refusal) were stored and shown in Vietnamese only: the English page now says them in English,
    rows stored before included, around what the peer answered; the Vietnamese page is unchanged."""
    unmapped, old = (_enqueue(code, 1)[0] for code in ("G-1", "G-2"))
    Delivery.objects.filter(message=unmapped).delete()
    unmapped = outbox_enqueue(
        kind="national.DongBoHoSoMC",
        payload=_sync("G-1", 0, state="no_such_state"),
        destinations=["national"],
        ordering_key="dossier:G-1",
    )
    outbox_relay(budget_seconds=0)
    said = "Trạng thái “no_such_state” chưa có mã quốc gia trong bảng ánh xạ."
    assert Delivery.objects.get(message=unmapped).last_error == said
    Delivery.objects.filter(message=old).update(status="failed", last_error=stored)
    sign_in(client, ict)
    client.cookies["django_language"] = "en"
    html = client.get("/quan-tri/lien-thong/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<td>The state “no_such_state” has no national code in the mapping table yet." in html
    assert f"<td>{english}" in html
    assert said not in html and 'lang="vi">' + stored[:20] not in html
    client.cookies["django_language"] = "vi"
    html = client.get("/quan-tri/lien-thong/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert f"<td>{said}" in html


@pytest.mark.parametrize(
    ("language", "words"),
    [
        (
            "vi",
            [
                "Từ chối: Hồ sơ không ở bước cho phép thay đổi này",
                "Từ chối: Thời điểm gửi nằm ngoài khoảng cho phép",
                "Từ chối: Dữ liệu gửi lên quá lớn",
                "Từ chối: Lý do khác",
            ],
        ),
        (
            "en",
            [
                "Refused: The dossier is not at a step that allows this change",
                "Refused: Sending time outside the allowed window",
                "Refused: The data sent is too large",
                "Refused: Other reason",
            ],
        ),
    ],
)
def test_a_refusals_code_is_named_and_the_raw_code_kept(client, ict, language, words):
    """The page showed a refusal's result code as it is logged ("Từ chối (conflict)"): each code is now
    said in words, the code itself kept beside them for the ICT staff."""
    from opendvc.integrations.models import InboundMessage

    for i, code in enumerate(("conflict", "stale_request", "413", "something_new")):
        InboundMessage.objects.create(
            peer="onestop", message_id=f"mc-{i}", outcome="refused", code=code, detail="x"
        )
    sign_in(client, ict)
    client.cookies["django_language"] = language
    html = client.get("/quan-tri/lien-thong/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    for text in words:
        assert text in html, text
    for code in ("conflict", "stale_request", "413", "something_new"):
        assert f"<code>{code}</code>" in html, code
        assert f"({code})" not in html, code


def test_failures_of_a_destination_it_does_not_send_to_are_refused_not_empty(client, national, ict):
    """A misspelt destination answered no failures at all, read as "nothing failed there"."""
    _enqueue("E-1", 1)
    national.switches.malformed = True
    outbox_relay(budget_seconds=0)
    _token, raw = api_token_create(owner=ict, name="giam-sat", scopes=["read"])
    auth = {"Authorization": f"Bearer {raw}"}
    url = "/api/v1/integrations/outbox"
    assert len(client.get(url, {"destination": "national"}, headers=auth).json()["failures"]) == 1
    for typed in ("nationl", "x" * 61):
        answer = client.get(url, {"destination": typed}, headers=auth)
        assert answer.status_code == 422 and answer["Content-Type"] == "application/problem+json"
        [error] = answer.json()["errors"]
        assert error["path"] == "destination" and "national" in error["message"]
