"""Email through Django's mail API, so any django-anymail ESP (or SMTP) works.

Tags and metadata (the notification's id and idempotency key) go to the ESP so its tracking
webhooks (``/anymail/<esp>/tracking/``) match back to the ``Notification``."""

import smtplib
from email.utils import make_msgid

from anymail.exceptions import AnymailAPIError, AnymailError, AnymailRecipientsRefused
from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from comms.channels.base import Message, PermanentError, Target, TransientError


def _message_id(message: EmailMultiAlternatives, fallback: str) -> str:
    status = getattr(message, "anymail_status", None)
    if status is not None and status.message_id is not None:
        return str(status.message_id)
    return fallback


def send_email(message: Message, target: Target) -> str:
    message_id = make_msgid(domain="foghorn")
    email = EmailMultiAlternatives(
        subject=message.subject, body=message.text, from_email=settings.DEFAULT_FROM_EMAIL, to=[target.address],
        headers={"Message-ID": message_id, "X-Foghorn-Idempotency-Key": message.idempotency_key,
                 **message.headers},
    )
    if message.html:
        email.attach_alternative(message.html, "text/html")
    email.tags = message.tags
    email.metadata = message.metadata
    try:
        email.send(fail_silently=False)
    except AnymailRecipientsRefused as exc:
        raise PermanentError(f"Recipient refused: {exc}") from exc
    except AnymailAPIError as exc:
        code = getattr(exc, "status_code", None)
        if code is not None and 400 <= code < 500 and code not in (408, 429):
            raise PermanentError(str(exc)[:500]) from exc
        raise TransientError(str(exc)[:500]) from exc
    except AnymailError as exc:
        raise PermanentError(str(exc)[:500]) from exc
    except smtplib.SMTPRecipientsRefused as exc:
        raise PermanentError(f"Recipient refused: {exc}") from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise TransientError(f"{type(exc).__name__}: {exc}") from exc
    return _message_id(email, message_id)
