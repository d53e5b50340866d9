"""What the configured email backend can do for a batch send: Anymail ESPs that substitute per-recipient
``merge_data`` in on-the-fly content (each in its own merge-field syntax) and how many recipients one API
call may carry. Other backends (SMTP, console, locmem) get one rendered message per recipient.

https://anymail.dev/en/stable/sending/templates/#batch-send"""

from django.conf import settings

from comms import conf

# ESP → (merge field format, recipients per API call).
MERGE_ESPS: dict[str, tuple[str, int]] = {
    "mailgun": ("%recipient.{}%", 1000),
    "sendgrid": ("-{}-", 1000),
    "sparkpost": ("{{{{{}}}}}", 1000),
    "mailjet": ("[[var:{}]]", 50),
    "mandrill": ("*|{}|*", 1000),
    "test": ("{{{{{}}}}}", 1000),
}
PER_MESSAGE_BATCH = 100


def esp_name() -> str:
    backend = str(settings.EMAIL_BACKEND)
    if backend.startswith("anymail.backends."):
        return backend.split(".")[2]
    return ""


def merge_format() -> str | None:
    """The ESP's merge-field syntax, or None when the backend cannot batch with merge data."""
    entry = MERGE_ESPS.get(esp_name())
    return entry[0] if entry else None


def batch_size() -> int:
    configured = conf.campaign_batch_size()
    if configured:
        return int(configured)
    entry = MERGE_ESPS.get(esp_name())
    return entry[1] if entry else PER_MESSAGE_BATCH


def esp_extra() -> dict:
    return {"merge_field_format": "-{}-"} if esp_name() == "sendgrid" else {}
