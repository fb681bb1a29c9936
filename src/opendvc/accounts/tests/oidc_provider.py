"""A small but real OpenID Connect provider for the test suite, built with Authlib and served over
HTTP on loopback by a background thread: discovery, authorization (code flow, PKCE S256 required),
token, userinfo and JWKS endpoints. Switches let a test make it misbehave (foreign signing key,
expired ID token, wrong nonce)."""

from __future__ import annotations

import json
import secrets
import threading
import time
import warnings
from urllib.parse import parse_qs, urlencode, urlparse
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from authlib.oauth2.rfc7636 import create_s256_code_challenge

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # authlib.jose announces its move to joserfc
    from authlib.jose import JsonWebKey, jwt


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # keep test output clean
        pass


class OIDCTestProvider:
    def __init__(
        self, *, client_id: str = "opendvc-test", client_secret: str = "bi-mat-thu-nghiem"
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.key = JsonWebKey.generate_key(
            "RSA", 2048, is_private=True, options={"kid": "k1", "use": "sig"}
        )
        self.foreign_key = JsonWebKey.generate_key(
            "RSA", 2048, is_private=True, options={"kid": "k1", "use": "sig"}
        )
        self.claims: dict = {}
        self.sign_with_foreign_key = False
        self.expired = False
        self.wrong_nonce = False
        self.codes: dict[str, dict] = {}
        self.tokens: dict[str, dict] = {}
        self.pkce_verified = 0
        self.token_requests: list[dict] = []
        self._server: WSGIServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------------------
    def start(self) -> OIDCTestProvider:
        self._server = make_server("127.0.0.1", 0, self.app, handler_class=_QuietHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def issuer(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # --- WSGI ------------------------------------------------------------------------------------
    def app(self, environ, start_response):
        path = environ["PATH_INFO"]
        method = environ["REQUEST_METHOD"]
        try:
            if path == "/.well-known/openid-configuration":
                return self._json(start_response, self.discovery())
            if path == "/jwks":
                return self._json(start_response, {"keys": [self.key.as_dict(is_private=False)]})
            if path == "/authorize" and method == "GET":
                return self.authorize(environ, start_response)
            if path == "/token" and method == "POST":
                return self.token(environ, start_response)
            if path == "/userinfo":
                return self.userinfo(environ, start_response)
        except Exception as exc:  # noqa: BLE001
            return self._json(
                start_response,
                {"error": "server_error", "error_description": str(exc)},
                "500 Internal Server Error",
            )
        return self._json(start_response, {"error": "not_found"}, "404 Not Found")

    def discovery(self) -> dict:
        base = self.issuer
        return {
            "issuer": base,
            "authorization_endpoint": f"{base}/authorize",
            "token_endpoint": f"{base}/token",
            "userinfo_endpoint": f"{base}/userinfo",
            "jwks_uri": f"{base}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
        }

    def authorize(self, environ, start_response):
        q = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        if q.get("client_id") != self.client_id or q.get("response_type") != "code":
            return self._json(start_response, {"error": "unauthorized_client"}, "400 Bad Request")
        if not q.get("code_challenge") or q.get("code_challenge_method") != "S256":
            return self._redirect(
                start_response,
                q["redirect_uri"],
                {"error": "invalid_request", "state": q.get("state", "")},
            )
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "redirect_uri": q["redirect_uri"],
            "challenge": q["code_challenge"],
            "nonce": q.get("nonce"),
        }
        return self._redirect(
            start_response, q["redirect_uri"], {"code": code, "state": q.get("state", "")}
        )

    def token(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        form = {k: v[0] for k, v in parse_qs(environ["wsgi.input"].read(length).decode()).items()}
        self.token_requests.append(form)
        if (
            form.get("client_id") != self.client_id
            or form.get("client_secret") != self.client_secret
        ):
            return self._json(start_response, {"error": "invalid_client"}, "401 Unauthorized")
        grant = self.codes.pop(form.get("code", ""), None)  # single use
        if grant is None or form.get("redirect_uri") != grant["redirect_uri"]:
            return self._json(start_response, {"error": "invalid_grant"}, "400 Bad Request")
        verifier = form.get("code_verifier", "")
        if not verifier or create_s256_code_challenge(verifier) != grant["challenge"]:
            return self._json(
                start_response,
                {"error": "invalid_grant", "error_description": "PKCE"},
                "400 Bad Request",
            )
        self.pkce_verified += 1
        access = secrets.token_urlsafe(24)
        self.tokens[access] = dict(self.claims)
        now = int(time.time())
        payload = {
            "iss": self.issuer,
            "aud": self.client_id,
            "iat": now - (3600 if self.expired else 0),
            "exp": now - 1800 if self.expired else now + 300,
            "jti": secrets.token_hex(8),
            **self.claims,
        }
        if grant.get("nonce"):
            payload["nonce"] = "not-the-nonce-sent" if self.wrong_nonce else grant["nonce"]
        key = self.foreign_key if self.sign_with_foreign_key else self.key
        id_token = jwt.encode({"alg": "RS256", "kid": "k1"}, payload, key).decode()
        return self._json(
            start_response,
            {
                "access_token": access,
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": id_token,
            },
        )

    def userinfo(self, environ, start_response):
        auth = environ.get("HTTP_AUTHORIZATION", "")
        claims = self.tokens.get(auth.removeprefix("Bearer ").strip())
        if claims is None:
            return self._json(start_response, {"error": "invalid_token"}, "401 Unauthorized")
        return self._json(start_response, claims)

    # --- helpers ---------------------------------------------------------------------------------
    @staticmethod
    def _json(start_response, body, status="200 OK"):
        data = json.dumps(body).encode()
        start_response(
            status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
        )
        return [data]

    @staticmethod
    def _redirect(start_response, uri, params):
        sep = "&" if urlparse(uri).query else "?"
        start_response(
            "302 Found", [("Location", f"{uri}{sep}{urlencode(params)}"), ("Content-Length", "0")]
        )
        return [b""]
