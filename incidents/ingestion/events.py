"""The one shape every received payload is normalised into before it touches the database."""

from dataclasses import dataclass, field
from datetime import UTC, datetime

from incidents.ingestion.enums import EVENT_ACTIONS, AlertSeverity

MAX_DEDUP_KEY = 255
MAX_SUMMARY = 1024


class PayloadError(Exception):
    """The body is not an event we accept. ``errors`` maps a field path to its complaints."""

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}

    def as_list(self) -> list[str]:
        """PagerDuty's flat list of messages."""
        return [f"'{field}' {text}" if field else text for field, texts in self.errors.items() for text in texts] or [
            self.message
        ]


@dataclass(frozen=True)
class NormalizedEvent:
    """One alert event: trigger, acknowledge, resolve or note, with its dedup key.

    ``resend_is_noop``: the sender re-sends the same firing alert as a matter of course
    (Alertmanager every group_interval, a heartbeat still late), so a trigger whose key is
    already firing in the open incident changes nothing, instead of joining it again.
    """

    action: str
    dedup_key: str
    summary: str = ""
    source: str = ""
    severity: str = AlertSeverity.CRITICAL
    details: dict = field(default_factory=dict)
    links: list = field(default_factory=list)
    occurred_at: datetime | None = None
    resend_is_noop: bool = False
    dedup_key_generated: bool = False

    def __post_init__(self):
        if self.action not in EVENT_ACTIONS:
            raise ValueError(self.action)

    @property
    def title(self) -> str:
        return (self.summary or self.dedup_key)[:300]


class Errors:
    """Collects field errors while a parser reads a body."""

    def __init__(self):
        self.errors: dict[str, list[str]] = {}

    def add(self, field_path: str, text: str) -> None:
        self.errors.setdefault(field_path, []).append(text)

    def raise_if_any(self, message: str = "Event object is invalid") -> None:
        if self.errors:
            raise PayloadError(message, self.errors)


def optional_str(data: dict, key: str, errors: Errors, *, path: str = "", max_length: int | None = None) -> str:
    value = data.get(key)
    name = f"{path}{key}"
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.add(name, "must be a string")
        return ""
    if max_length is not None and len(value) > max_length:
        errors.add(name, f"must be at most {max_length} characters")
        return ""
    return value


def required_str(data: dict, key: str, errors: Errors, *, path: str = "", max_length: int | None = None) -> str:
    value = optional_str(data, key, errors, path=path, max_length=max_length)
    if not value.strip() and f"{path}{key}" not in errors.errors:
        errors.add(f"{path}{key}", "is missing or blank")
    return value


def optional_object(data: dict, key: str, errors: Errors, *, path: str = "") -> dict:
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        errors.add(f"{path}{key}", "must be an object")
        return {}
    return value


def optional_list(data: dict, key: str, errors: Errors, *, path: str = "") -> list:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        errors.add(f"{path}{key}", "must be a list")
        return []
    return value


def parse_time(value) -> datetime | None:
    """An ISO 8601 time or POSIX seconds/milliseconds; None when absent or unreadable."""
    if isinstance(value, bool) or value in (None, ""):
        return None
    try:
        if isinstance(value, int | float) or (isinstance(value, str) and value.strip().isdigit()):
            seconds = float(value)
            if seconds > 1e11:  # milliseconds
                seconds /= 1000
            return datetime.fromtimestamp(seconds, tz=UTC)
        if isinstance(value, str):
            return _parse_iso(value)
    except (ValueError, OverflowError, OSError):
        return None
    return None


def _parse_iso(value: str) -> datetime | None:
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    # Go and Alertmanager write nanoseconds; Python reads at most microseconds.
    if "." in text:
        head, _, rest = text.partition(".")
        digits = "".join(ch for ch in rest if ch.isdigit())
        zone = rest[len(digits):]
        text = f"{head}.{digits[:6]}{zone}"
    parsed = datetime.fromisoformat(text)
    if parsed.year <= 1:
        return None  # Go's zero time: "not set"
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed
