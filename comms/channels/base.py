from dataclasses import dataclass, field

import requests

from comms import conf


class ChannelError(Exception):
    pass


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


def classify_http(response: requests.Response) -> None:
    """Raise for a non-2xx answer: 408, 425, 429 and 5xx are transient, other 4xx permanent."""
    if 200 <= response.status_code < 300:
        return
    detail = f"HTTP {response.status_code}: {response.text[:300]}"
    if response.status_code in (408, 425, 429) or response.status_code >= 500:
        raise TransientError(detail)
    raise PermanentError(detail)


def post(url: str, **kwargs) -> requests.Response:
    """POST with the comms timeout; network trouble is transient, a malformed URL permanent."""
    try:
        response = requests.post(url, timeout=conf.http_timeout(), allow_redirects=False, **kwargs)
    except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
            requests.exceptions.InvalidSchema) as exc:
        raise PermanentError(f"Bad URL: {exc}") from exc
    except requests.RequestException as exc:
        raise TransientError(f"{type(exc).__name__}: {exc}") from exc
    classify_http(response)
    return response
