"""A local stand-in of Zoom's server-to-server OAuth and meetings API (``POST /oauth/token`` with an
``account_credentials`` grant and basic auth; ``POST /v2/users/me/meetings``), recording calls.
``ZoomStandIn(account_id, client_id, client_secret).start()``; ``.oauth_base``, ``.api_base``;
``.fail_next(status, retry_after)``; ``.meetings``; ``.calls``."""

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class ZoomStandIn:
    def __init__(self, account_id="acct-1", client_id="zoom-client", client_secret="zoom-secret"):  # noqa: S107
        self.account_id, self.client_id, self.client_secret = account_id, client_id, client_secret
        self.calls: list[tuple[str, dict]] = []
        self.meetings: list[dict] = []
        self.failures: list[tuple[int, float | None]] = []
        self.lock = threading.Lock()
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                standin._handle(self)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "ZoomStandIn":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def oauth_base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def api_base(self) -> str:
        return f"{self.oauth_base}/v2"

    def fail_next(self, status: int = 429, retry_after: float | None = 1) -> None:
        self.failures.append((status, retry_after))

    def _send(self, handler, status: int, body: dict, headers: dict | None = None) -> None:
        payload = json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(payload)

    def _handle(self, handler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length)
        url = urlparse(handler.path)
        with self.lock:
            self.calls.append((url.path, {"query": parse_qs(url.query), "body": raw.decode()}))
            failure = self.failures.pop(0) if self.failures and url.path != "/oauth/token" else None
        if failure:
            status, retry_after = failure
            headers = {"Retry-After": str(int(retry_after))} if retry_after else {}
            self._send(handler, status, {"code": status, "message": "Too many requests"}, headers)
            return
        if url.path == "/oauth/token":
            self._token(handler, url)
        elif url.path == "/v2/users/me/meetings":
            self._meeting(handler, raw)
        else:
            self._send(handler, 404, {"code": 404, "message": "Not found"})

    def _token(self, handler, url) -> None:
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        query = parse_qs(url.query)
        if (handler.headers.get("Authorization") != f"Basic {expected}"
                or query.get("grant_type") != ["account_credentials"] or query.get("account_id") != [self.account_id]):
            self._send(handler, 400, {"reason": "Invalid client_id or client_secret", "error": "invalid_client"})
            return
        self._send(handler, 200, {"access_token": "zoom-access-token", "token_type": "bearer", "expires_in": 3599,
                                  "scope": "meeting:write:admin", "api_url": "https://api.zoom.us"})

    def _meeting(self, handler, raw: bytes) -> None:
        if handler.headers.get("Authorization") != "Bearer zoom-access-token":
            self._send(handler, 401, {"code": 124, "message": "Invalid access token."})
            return
        body = json.loads(raw or b"{}")
        with self.lock:
            meeting_id = 85000000000 + len(self.meetings) + 1
            meeting = {"id": meeting_id, "uuid": f"uuid-{meeting_id}", "host_id": "host-1", "topic": body.get("topic"),
                       "type": body.get("type", 2), "status": "waiting", "created_at": "2026-12-01T22:00:00Z",
                       "join_url": f"https://zoom.us/j/{meeting_id}?pwd=standin",
                       "start_url": f"https://zoom.us/s/{meeting_id}?zak=standin", "password": "standin",
                       "settings": body.get("settings") or {}}
            self.meetings.append(meeting)
        self._send(handler, 201, meeting)
