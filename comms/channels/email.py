"""Email through Django's mail API, so any django-anymail ESP (or SMTP) works.

One tag (the purpose) and metadata (the notification's id and idempotency key) go to the ESP so its
tracking webhooks (``/anymail/<esp>/tracking/``) match back to the ``Notification``. Tested through the
real Anymail backends of Postmark, SendGrid, Mailgun, Brevo and Resend (``tests/comms/esp.py``)."""

import smtplib
from email.utils import make_msgid

from anymail.exceptions import AnymailAPIError, AnymailError, AnymailRecipientsRefused, AnymailUnsupportedFeature
from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from comms.channels.base import Message, PermanentError, Target, TransientError, short_reason


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
    # One tag at most: Postmark refuses more ("does not support multiple tags"), the others accept one.
    # Everything else tracking needs travels as metadata, which every Anymail ESP supports.
    email.tags = message.tags[:1]
    email.metadata = message.metadata
    try:
        email.send(fail_silently=False)
    except AnymailRecipientsRefused as exc:
        raise PermanentError("Recipient refused by the email provider.") from exc
    except AnymailAPIError as exc:
        code = getattr(exc, "status_code", None)
        reason = f"Email provider answered {short_reason(code)}" if code else "Email provider error"
        if code is not None and 400 <= code < 500 and code not in (408, 429):
            raise PermanentError(reason, status_code=code) from exc
        raise TransientError(reason, status_code=code) from exc
    except AnymailUnsupportedFeature as exc:
        raise PermanentError(str(exc)[:300]) from exc  # Anymail's own words about our message, not the ESP's
    except AnymailError as exc:
        raise PermanentError(f"Email not sent: {type(exc).__name__}") from exc
    except smtplib.SMTPRecipientsRefused as exc:
        raise PermanentError("Recipient refused by the mail server.") from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise TransientError(f"{type(exc).__name__}: mail server unreachable or refused") from exc
    return _message_id(email, message_id)
