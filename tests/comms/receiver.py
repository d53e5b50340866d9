"""A local HTTP receiver for chat/webhook/Twilio tests: records every request on 127.0.0.1.

``HttpReceiver().start()``; ``.url(path)``; ``.requests`` (list of ``Received``);
``.respond(path, status=…, delay=…, body=…, headers=…)`` scripts answers (``status`` may be a
callable, ``body`` a callable of the ``Received``).
Paths match exactly, or as a prefix when they end in ``/``."""

import json
import socket
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


@dataclass
class Received:
    method: str
    path: str
    headers: dict
    body: bytes
    at: float

    def json(self):
        return json.loads(self.body or b"null")

    def form(self) -> dict:
        return {key: values[0] for key, values in parse_qs(self.body.decode()).items()}


def matches(path: str, prefix: str) -> bool:
    """``/alice`` matches only /alice; a prefix ending in ``/`` matches everything under it."""
    return path == prefix or (prefix.endswith("/") and path.startswith(prefix))


class HttpReceiver:
    def __init__(self):
        self.requests: list[Received] = []
        self.scripts: list[tuple[str, dict]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with receiver.lock:
                    receiver.requests.append(Received("POST", self.path, dict(self.headers), body, time.time()))
                    script = next((s for prefix, s in reversed(receiver.scripts) if matches(self.path, prefix)), {})
                if script.get("delay"):
                    time.sleep(script["delay"])
                status = script.get("status", 200)
                if callable(status):
                    status = status()
                payload = script.get("body", b'{"sid": "SM123"}' if "/Accounts/" in self.path else b"ok")
                if callable(payload):
                    payload = payload(receiver.requests[-1])
                self.send_response(status)
                for name, value in script.get("headers", {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "HttpReceiver":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def respond(self, prefix: str, **script) -> None:
        with self.lock:
            self.scripts.append((prefix, script))

    def at(self, prefix: str) -> list[Received]:
        with self.lock:
            return [r for r in self.requests if matches(r.path, prefix)]

    def wait_for(self, prefix: str, count: int = 1, timeout: float = 30) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.at(prefix)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"{count} request(s) to {prefix} not received in {timeout}s: {self.at(prefix)}")


class BlackHole:
    """A TCP endpoint that accepts connections (the kernel completes the handshake) and never answers:
    the slow receiver of the trial, the worst case for a sender's timeouts."""

    def __init__(self):
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(1024)

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.socket.getsockname()[1]}{path}"

    def close(self) -> None:
        self.socket.close()
