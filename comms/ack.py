"""One-click acknowledge links: signed for one (incident, person), expiring.

The token is a ``TimestampSigner`` signature over the organization, incident and user ids; it
is the credential, so the page needs no login. Opening it (GET) shows a confirmation page and
only the button (POST) acknowledges: mail scanners and link previews (Outlook Safe Links,
Slack unfurls) fetch GETs, and must not acknowledge a page nobody saw."""

from django.core import signing
from django.urls import reverse

from comms import conf

SALT = "foghorn.comms.ack"


def ack_token(*, incident, user) -> str:
    return signing.TimestampSigner(salt=SALT).sign_object(
        {"o": incident.organization_id, "i": incident.pk, "u": user.pk}, compress=True)


def ack_url(*, incident, user) -> str:
    return conf.base_url() + reverse("comms-ack-link", kwargs={"token": ack_token(incident=incident, user=user)})


def read_ack_token(token: str) -> dict:
    """The ids in a valid token. Raises ``signing.SignatureExpired`` / ``signing.BadSignature``."""
    data = signing.TimestampSigner(salt=SALT).unsign_object(token, max_age=conf.ack_link_max_age())
    if not isinstance(data, dict) or not {"o", "i", "u"} <= set(data):
        raise signing.BadSignature("Malformed acknowledge token.")
    return data
