"""Signed, purpose-bound links for subscribers: confirm (expires with the unconfirmed subscription) and
manage / one-click unsubscribe (bound to the subscriber's ``token_version``, so it dies with the row).

The token is the credential: nobody can manage another's subscription without it, and a forged or
altered token (another id, another org, another purpose) fails its signature."""

from django.conf import settings
from django.core import signing
from django.urls import reverse

from comms import conf
from comms.statuspage.models import Subscriber

SALT = "foghorn.statuspage.subscriber"
CONFIRM, MANAGE = "confirm", "manage"


def token(subscriber: Subscriber, purpose: str) -> str:
    return signing.TimestampSigner(salt=f"{SALT}.{purpose}").sign_object(
        {"o": subscriber.organization_id, "s": subscriber.pk, "v": subscriber.token_version}, compress=True)


def read(token_text: str, purpose: str, *, organization_id: int) -> Subscriber | None:
    """The subscriber a valid token names in this organization, or None (bad, expired or stale)."""
    max_age = settings.STATUSPAGE_CONFIRM_HOURS * 3600 if purpose == CONFIRM else None
    try:
        data = signing.TimestampSigner(salt=f"{SALT}.{purpose}").unsign_object(token_text, max_age=max_age)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("o") != organization_id:
        return None
    return Subscriber.objects.filter(pk=data.get("s"), organization_id=organization_id,
                                     token_version=data.get("v")).first()


def _url(name: str, subscriber: Subscriber, purpose: str) -> str:
    slug = subscriber.organization.slug
    return conf.base_url() + reverse(name, kwargs={"org_slug": slug, "token": token(subscriber, purpose)})


def confirm_url(subscriber: Subscriber) -> str:
    return _url("statuspage-confirm", subscriber, CONFIRM)


def manage_url(subscriber: Subscriber) -> str:
    return _url("statuspage-manage", subscriber, MANAGE)


def unsubscribe_url(subscriber: Subscriber) -> str:
    """RFC 8058 one-click target: a POST with ``List-Unsubscribe=One-Click`` unsubscribes."""
    return _url("statuspage-unsubscribe", subscriber, MANAGE)
