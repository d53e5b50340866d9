import threading
from dataclasses import dataclass, field
from http import HTTPStatus

import requests

from comms import conf, netguard


class ChannelError(Exception):
    def __init__(self, message: str = "", *, status_code: int | None = None):
        super().__init__(message)
        self.status_code = status_code


class TransientError(ChannelError):
    """Worth retrying: the provider or the network may recover."""


class PermanentError(ChannelError):
    """Retrying will not help (bad address, refused, not configured)."""


@dataclass
class Message:
    subject: str
    text: str
    html: str = ""
    short: str = ""
    ack_url: str = ""
    incident_url: str = ""
    idempotency_key: str = ""
    tags: list[str] = field(default_factory=list)
    metadata: dict = field(default_factory=dict)
    data: dict = field(default_factory=dict)
    headers: dict = field(default_factory=dict)


@dataclass
class Target:
    address: str
    secret: str = ""
    format: str = "slack"
    mention: str = ""


def short_reason(status_code: int) -> str:
    """``HTTP 503 Service Unavailable``: what we keep of an answer. The receiver's body and reason text are
    neither stored nor shown (they may echo secrets or carry markup)."""
    try:
        phrase = HTTPStatus(status_code).phrase
    except ValueError:
        phrase = "Unknown status"
    return f"HTTP {status_code} {phrase}"


def classify_http(response: requests.Response) -> None:
    """Raise for a non-2xx answer: 408, 425, 429 and 5xx are transient, other 4xx permanent."""
    if 200 <= response.status_code < 300:
        return
    detail = short_reason(response.status_code)
    if response.status_code in (408, 425, 429) or response.status_code >= 500:
        raise TransientError(detail, status_code=response.status_code)
    raise PermanentError(detail, status_code=response.status_code)


_local = threading.local()


def _session() -> requests.Session:
    """One guarded session per thread (the outbound worker runs a thread pool), reusing connections."""
    current = getattr(_local, "session", None)
    if current is None:
        current = _local.session = netguard.session()
    return current


TRANSPORT_REASONS = [
    (requests.exceptions.ConnectTimeout, "no connection within the connect timeout"),
    (requests.exceptions.ReadTimeout, "no answer within the timeout"),
    (requests.exceptions.SSLError, "TLS handshake failed"),
    (requests.exceptions.ConnectionError, "connection failed"),
]


def _transport_reason(exc: requests.RequestException) -> str:
    """A short reason without the URL (chat webhook URLs are credentials)."""
    for kind, words in TRANSPORT_REASONS:
        if isinstance(exc, kind):
            return f"{type(exc).__name__}: {words}"
    return f"{type(exc).__name__}: request failed"


def post(url: str, **kwargs) -> requests.Response:
    """POST with the comms timeouts through the address guard; network trouble is transient, a malformed
    or refused URL permanent. Redirects are not followed (a webhook answers, it does not move)."""
    try:
        response = _session().post(url, timeout=conf.http_timeout(), allow_redirects=False, **kwargs)
    except netguard.UnsafeURL as exc:
        raise PermanentError(str(exc)) from exc
    except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
            requests.exceptions.InvalidSchema) as exc:
        raise PermanentError("Bad URL.") from exc
    except requests.RequestException as exc:
        raise TransientError(_transport_reason(exc)) from exc
    classify_http(response)
    return response
