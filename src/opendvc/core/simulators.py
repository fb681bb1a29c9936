"""Peers as real HTTP servers: the national portal, the one-stop software, payment gateways, the post,
the national registries and the SMS provider are simulated by small servers that speak HTTP on a local
port, so the portal's own outbound code (httpx, signatures, retries, timeouts) runs unchanged in tests
and in the demo.

A simulator subclasses ``Simulator`` and answers ``handle(request)``; the base class gives it:

- a threaded HTTP server on ``127.0.0.1`` (port 0: the system picks a free one; ``url`` tells which);
- **switches** (``Switches``) for the faults a peer shows: ``down`` (the connection is closed without
  an answer), ``slow`` (seconds before answering), ``status`` (answer every request with that HTTP
  status; ``retry_after`` adds that ``Retry-After`` header), ``malformed`` (answer with a body that is
  not what the protocol says), ``body`` (answer every request 200 with exactly this text: an HTML error
  page, nothing, JSON nested deeper than a decoder reads…), ``duplicate``
  (callbacks sent twice), ``reorder`` (callbacks held and sent newest first on ``flush_callbacks``);
  each simulator reads ``extra`` for its own (``not_found``, ``wrong_amount``…);
- the switches over HTTP too (``GET/POST /_switches``), so a demo or a test in another process can
  turn a fault on and off; ``GET /_requests`` lists what the simulator received;
- ``callback(...)`` for the requests a peer makes to the portal (webhooks, IPN), honouring the switches.

``manage.py run_simulators`` starts every simulator an app registers with ``register`` (in the app's
``simulators`` module) on fixed ports for the demo.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx


@dataclass
class Switches:
    down: bool = False
    slow: float = 0.0
    status: int | None = None
    retry_after: str | None = None
    malformed: bool = False
    body: str | None = None
    duplicate: bool = False
    reorder: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def update(self, values: dict[str, Any]) -> None:
        for key, value in values.items():
            if key == "extra":
                self.extra.update(value or {})
            elif hasattr(self, key):
                setattr(self, key, value)
            else:
                raise KeyError(key)

    def reset(self) -> None:
        self.__init__()


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def form(self) -> dict[str, str]:
        return {key: values[-1] for key, values in parse_qs(self.body.decode()).items()}

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else default

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name.lower(), default)


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


def json_response(data: Any, status: int = 200) -> Response:
    try:
        body = json.dumps(data, ensure_ascii=False).encode()
    except UnicodeEncodeError:  # half a surrogate pair: sent as its \u escape, as a peer would
        body = json.dumps(data).encode()
    return Response(status=status, body=body)


def html_response(html: str, status: int = 200) -> Response:
    return Response(status=status, body=html.encode(), content_type="text/html; charset=utf-8")


def redirect(location: str) -> Response:
    return Response(status=302, headers={"Location": location}, content_type="text/plain")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class Simulator:
    """Base of every peer simulator; subclasses implement ``handle``."""

    name = "peer"

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self.switches = Switches()
        self.received: list[Request] = []
        self.lock = threading.RLock()
        self._held: list[tuple[str, str, dict[str, Any]]] = []
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- what a subclass writes ------------------------------------------------------------------
    def handle(self, request: Request) -> Response:  # pragma: no cover - abstract
        raise NotImplementedError

    def malformed_body(self, request: Request) -> Response:
        """The answer under the ``malformed`` switch: by default, truncated JSON."""
        return Response(status=200, body=b'{"result": ')

    # -- life --------------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        assert self._server is not None, "start() the simulator first"
        return f"http://{self.host}:{self._server.server_address[1]}"

    def start(self) -> Simulator:
        simulator = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # The headers and the body leave in two writes: with Nagle's algorithm on, the body waits
            # for the client's delayed ACK (~40 ms a request on Linux), capping a peer at a few
            # hundred requests per second however fast the portal is.
            disable_nagle_algorithm = True

            def log_message(self, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                request = Request(
                    method=self.command,
                    path=parts.path,
                    query=parse_qs(parts.query, keep_blank_values=True),
                    headers={key.lower(): value for key, value in self.headers.items()},
                    body=body,
                )
                response = simulator._dispatch(request)
                if response is None:  # down: close without a word
                    self.close_connection = True
                    with contextlib.suppress(OSError):
                        self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self.send_response(response.status)
                self.send_header("Content-Type", response.content_type)
                self.send_header("Content-Length", str(len(response.body)))
                for key, value in response.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(response.body)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve

        self._server = _Server((self.host, self.port), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name=f"sim-{self.name}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- dispatch --------------------------------------------------------------------------------
    def _dispatch(self, request: Request) -> Response | None:
        if request.path == "/_switches":
            if request.method == "POST":
                with self.lock:
                    if request.json() == "reset":
                        self.switches.reset()
                    else:
                        try:
                            self.switches.update(request.json() or {})
                        except (KeyError, ValueError, TypeError) as exc:
                            return json_response({"error": f"unknown switch {exc}"}, status=400)
            return json_response(asdict(self.switches))
        if request.path == "/_requests":
            with self.lock:
                return json_response(
                    [
                        {
                            "method": r.method,
                            "path": r.path,
                            "body": r.body.decode(errors="replace"),
                        }
                        for r in self.received
                    ]
                )
        with self.lock:
            self.received.append(request)
            switches = Switches(**{**asdict(self.switches), "extra": dict(self.switches.extra)})
        if switches.down:
            return None
        if switches.slow:
            time.sleep(switches.slow)
        if switches.status:
            response = json_response({"error": "simulated failure"}, status=switches.status)
            if switches.retry_after is not None:
                response.headers["Retry-After"] = switches.retry_after
            return response
        if switches.body is not None:
            return Response(status=200, body=switches.body.encode(), content_type="text/html")
        if switches.malformed:
            return self.malformed_body(request)
        try:
            return self.handle(request)
        except (
            Exception
        ) as exc:  # a simulator bug answers 500 with the reason, like a real peer would
            return json_response({"error": repr(exc)}, status=500)

    # -- the peer calling the portal ---------------------------------------------------------------
    def callback(self, method: str, url: str, **kwargs: Any) -> list[httpx.Response | Exception]:
        """Send a callback to the portal: twice under ``duplicate``; held under ``reorder`` until
        ``flush_callbacks``. Returns the answers (or the transport errors) of what was sent now."""
        with self.lock:
            if self.switches.reorder:
                self._held.append((method, url, kwargs))
                return []
            times = 2 if self.switches.duplicate else 1
        return [self._send(method, url, kwargs) for _ in range(times)]

    def flush_callbacks(self) -> list[httpx.Response | Exception]:
        """Send the held callbacks, newest first."""
        with self.lock:
            held, self._held = self._held[::-1], []
        return [self._send(method, url, kwargs) for method, url, kwargs in held]

    @staticmethod
    def _send(method: str, url: str, kwargs: dict[str, Any]) -> httpx.Response | Exception:
        try:
            return httpx.request(method, url, timeout=kwargs.pop("timeout", 10.0), **kwargs)
        except httpx.HTTPError as exc:
            return exc


# -- the registry used by ``manage.py run_simulators`` --------------------------------------------------


@dataclass(frozen=True)
class Registered:
    name: str
    factory: Callable[..., Simulator]
    port: int
    # The settings/environment variables that point the portal at this simulator, given its URL.
    settings: Callable[[str], dict[str, str]]
    help: str = ""


REGISTRY: dict[str, Registered] = {}


def register(
    name: str,
    factory: Callable[..., Simulator],
    *,
    port: int,
    settings: Callable[[str], dict[str, str]],
    help: str = "",
) -> None:
    REGISTRY[name] = Registered(name=name, factory=factory, port=port, settings=settings, help=help)
