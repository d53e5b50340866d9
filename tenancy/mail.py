"""The emails of the tenancy app (invitations, password resets) and their signed links.

Sent with Django's ``EmailMultiAlternatives`` through the configured backend (Anymail's ESP
backends in production). The invitation link is a ``TimestampSigner`` token over the
invitation's id and nonce, salted for this one purpose and expiring with the invitation."""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tenancy.models import Invitation, User

INVITATION_SALT = "foghorn.tenancy.invitation"


def base_url() -> str:
    return str(settings.FOGHORN_BASE_URL).rstrip("/")


def invitation_token(invitation: Invitation) -> str:
    return signing.TimestampSigner(salt=INVITATION_SALT).sign_object({"i": invitation.pk, "n": invitation.nonce})


def read_invitation_token(token: str) -> dict:
    """The ids in a valid token. Raises ``signing.SignatureExpired`` / ``signing.BadSignature``."""
    data = signing.TimestampSigner(salt=INVITATION_SALT).unsign_object(
        token, max_age=settings.INVITATION_MAX_AGE)
    if not isinstance(data, dict) or not isinstance(data.get("i"), int) or not isinstance(data.get("n"), str):
        raise signing.BadSignature("Malformed invitation token.")
    return data


def invitation_url(invitation: Invitation) -> str:
    return base_url() + reverse("invitation-accept", kwargs={"token": invitation_token(invitation)})


def password_reset_url(user: User) -> str:
    """A link to Django's own password-reset confirmation view (valid ``PASSWORD_RESET_TIMEOUT``)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return base_url() + reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})


def send(*, to: str, template: str, context: dict, tags: list[str] | None = None) -> None:
    """Render ``tenancy/email/<template>_subject.txt``, ``.txt`` and ``.html`` and send them."""
    context = {"base_url": base_url(), **context}
    subject = " ".join(render_to_string(f"tenancy/email/{template}_subject.txt", context).split())
    message = EmailMultiAlternatives(subject=subject, body=render_to_string(f"tenancy/email/{template}.txt", context),
                                     to=[to])
    message.attach_alternative(render_to_string(f"tenancy/email/{template}.html", context), "text/html")
    if tags:
        message.tags = tags[:1]  # Anymail: some ESPs (Postmark) take one tag only
    message.send()
