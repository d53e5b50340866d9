"""Settings of the comms app. Every one is declared (and read from the environment) in
``config/settings.py``; this module only reads ``django.conf.settings``, so tests override them
with pytest-django's ``settings`` fixture and workers pick up ``COMMS_…`` variables there."""

from django.conf import settings

_MISSING = object()


def setting(name: str, default):
    """The Django setting ``name`` (``default`` when it is not declared), coerced to ``default``'s type."""
    value = getattr(settings, name, _MISSING)
    if value is _MISSING or value is None:
        return default
    if isinstance(default, bool):
        return value if isinstance(value, bool) else str(value).strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int | float) and isinstance(value, str):
        return type(default)(value)
    return value


def tick_seconds() -> float:
    """How often beat runs the paging ticker (escalation delays fire within this + a task's run time)."""
    return setting("COMMS_TICK_SECONDS", 2.0)


def seconds_per_delay_minute() -> float:
    """60 in production; end-to-end tests shorten policy and chain delays by lowering it."""
    return setting("COMMS_SECONDS_PER_DELAY_MINUTE", 60.0)


def send_lease_seconds() -> int:
    """A notification being sent by a worker that died is retried after this (longer than any HTTP timeout)."""
    return setting("COMMS_SEND_LEASE_SECONDS", 45)


def renudge_seconds() -> int:
    """A due notification nobody has picked up for this long is nudged again (a lost task)."""
    return setting("COMMS_RENUDGE_SECONDS", 5)


def http_timeout() -> tuple[float, float]:
    """(connect, read) timeouts of every outbound HTTP call."""
    return setting("COMMS_HTTP_CONNECT_TIMEOUT", 3.0), setting("COMMS_HTTP_TIMEOUT", 10.0)


def max_attempts() -> int:
    """Transient failures retry with exponential backoff up to this many attempts, then fall through."""
    return setting("COMMS_MAX_ATTEMPTS", 5)


def retry_base_seconds() -> float:
    return setting("COMMS_RETRY_BASE_SECONDS", 5.0)


def ack_link_max_age() -> int:
    """Seconds a one-click acknowledge link stays valid (default 24 h)."""
    return setting("COMMS_ACK_LINK_MAX_AGE", 24 * 3600)


def base_url() -> str:
    return str(setting("FOGHORN_BASE_URL", "http://localhost:8000")).rstrip("/")


def twilio() -> dict:
    return {
        "account_sid": setting("TWILIO_ACCOUNT_SID", ""),
        "auth_token": setting("TWILIO_AUTH_TOKEN", ""),
        "from_number": setting("TWILIO_FROM_NUMBER", ""),
        "api_base": str(setting("TWILIO_API_BASE", "https://api.twilio.com")).rstrip("/"),
    }


def webhook_retry_schedule() -> list[float]:
    """Seconds between attempts of an outbound org webhook (and an org chat announcement): about
    20 minutes in all, then it is given up."""
    raw = setting("COMMS_WEBHOOK_RETRY_SCHEDULE", "10,30,60,120,240,360,420")
    if isinstance(raw, list | tuple):
        return [float(part) for part in raw]
    return [float(part) for part in str(raw).split(",") if part.strip()]


def circuit_failures() -> int:
    """Failures in a row after which a destination's circuit opens."""
    return setting("COMMS_CIRCUIT_FAILURES", 3)


def circuit_open_seconds() -> float:
    """How long an open circuit skips its destination before one send is tried again."""
    return setting("COMMS_CIRCUIT_OPEN_SECONDS", 60.0)


def org_max_in_flight() -> int:
    """Sends one organization may have in flight at once in one outbound worker process."""
    return setting("COMMS_ORG_MAX_IN_FLIGHT", 6)


def beat_stale_seconds() -> float:
    return setting("COMMS_BEAT_STALE_SECONDS", 60.0)


def allow_private_urls() -> bool:
    return setting("FOGHORN_ALLOW_PRIVATE_URLS", False)


def update_grace_seconds() -> int:
    """An update this long past its due time is overdue (capped at a third of the severity's cadence)."""
    return setting("COMMS_UPDATE_GRACE_SECONDS", 300)


def cadence_tick_seconds() -> float:
    """How often beat runs the cadence-reminder ticker."""
    return setting("COMMS_CADENCE_TICK_SECONDS", 15.0)


def campaign_batch_size() -> int:
    """Recipients per ESP call of an affected-user campaign; 0 means the ESP's own batch limit."""
    return setting("COMMS_CAMPAIGN_BATCH_SIZE", 0)


def campaign_lease_seconds() -> int:
    """A campaign whose sending worker has not checked in for this long is taken over by the ticker."""
    return setting("COMMS_CAMPAIGN_LEASE_SECONDS", 60)


def affected_users_max() -> int:
    return setting("COMMS_AFFECTED_USERS_MAX", 100_000)


def affected_users_max_upload_bytes() -> int:
    """The largest CSV file accepted for affected users (a JSON or pasted body is capped by Django's
    DATA_UPLOAD_MAX_MEMORY_SIZE)."""
    return setting("COMMS_AFFECTED_USERS_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
