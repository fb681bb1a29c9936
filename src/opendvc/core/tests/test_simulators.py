"""The simulator base: a real HTTP server whose faults are switched over HTTP too."""

from __future__ import annotations

import httpx
import pytest

from opendvc.core.simulators import Request, Response, Simulator, json_response


class Echo(Simulator):
    name = "echo"

    def handle(self, request: Request) -> Response:
        return json_response(
            {"path": request.path, "q": request.arg("q"), "body": request.body.decode()}
        )


@pytest.fixture
def echo():
    with Echo() as simulator:
        yield simulator


def test_answers_over_http_and_records_requests(echo):
    answer = httpx.post(f"{echo.url}/x?q=1", content=b"hello")
    assert answer.json() == {"path": "/x", "q": "1", "body": "hello"}
    assert [r.path for r in echo.received] == ["/x"]
    assert httpx.get(f"{echo.url}/_requests").json()[0]["body"] == "hello"


def test_switches_over_http(echo):
    assert httpx.post(f"{echo.url}/_switches", json={"status": 503}).json()["status"] == 503
    assert httpx.get(f"{echo.url}/x").status_code == 503
    httpx.post(f"{echo.url}/_switches", json="reset")
    assert httpx.get(f"{echo.url}/x").status_code == 200
    assert httpx.post(f"{echo.url}/_switches", json={"nonsense": 1}).status_code == 400


def test_down_closes_the_connection_without_an_answer(echo):
    echo.switches.down = True
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{echo.url}/x", timeout=2)


def test_malformed_answer_is_not_json(echo):
    echo.switches.malformed = True
    with pytest.raises(ValueError):
        httpx.get(f"{echo.url}/x").json()


def test_callbacks_duplicate_and_reorder(echo):
    sink = Echo().start()
    try:
        echo.switches.duplicate = True
        echo.callback("POST", f"{sink.url}/a", content=b"1")
        assert [r.body for r in sink.received] == [b"1", b"1"]
        echo.switches.duplicate = False
        echo.switches.reorder = True
        echo.callback("POST", f"{sink.url}/b", content=b"first")
        echo.callback("POST", f"{sink.url}/b", content=b"second")
        assert len(sink.received) == 2
        echo.flush_callbacks()
        assert [r.body for r in sink.received[2:]] == [b"second", b"first"]
    finally:
        sink.stop()


def test_a_stopped_peer_refuses_connections():
    simulator = Echo().start()
    url = simulator.url
    simulator.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/x", timeout=2)
