"""Subscribers: double opt-in sign-up (rate-limited per IP and per address), confirm, change components,
unsubscribe, admin import of pre-confirmed addresses (with the reason recorded), expiry of the unconfirmed.

Sign-up answers the same whatever the address's state, so the form never tells whether someone is
subscribed; an address already confirmed gets a fresh manage link by email instead."""

import hashlib
import logging
from datetime import datetime, timedelta

import redis
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from comms.statuspage.models import StatusComponent, Subscriber
from comms.statuspage.services import mailing
from tenancy.errors import ApplicationError
from tenancy.models import Organization, User

logger = logging.getLogger(__name__)
IMPORT_LIMIT = 5000


class RateLimited(ApplicationError):
    status_code = 429


_redis_client = None


def _redis():
    global _redis_client
    if _redis_client is None and settings.REDIS_URL:
        _redis_client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=0.5, socket_connect_timeout=0.5)
    return _redis_client


def _count(key: str) -> int:
    """Hits of ``key`` in the current hour: Redis when configured (shared by every web process), else the
    local cache; a Redis outage falls back to the local cache rather than refusing everyone."""
    client = _redis()
    if client is not None:
        try:
            pipe = client.pipeline()
            pipe.set(key, 0, ex=3600, nx=True)
            pipe.incr(key)
            return int(pipe.execute()[1])
        except redis.RedisError:
            logger.warning("sign-up rate limit falls back to the local cache", exc_info=True)
    cache.add(key, 0, 3600)
    return cache.incr(key)


def _hour_key(kind: str, value: str, now: datetime) -> str:
    digest = hashlib.sha256(value.encode()).hexdigest()[:24]
    return f"statuspage:rl:{kind}:{digest}:{now:%Y%m%d%H}"


def _check_rate(organization: Organization, email: str, ip: str, now: datetime) -> None:
    if _count(_hour_key("ip", ip, now)) > settings.STATUSPAGE_SUBSCRIBE_PER_IP_HOUR:
        raise RateLimited("Too many sign-ups from this address; try again later.", {"email": ["Try again later."]})
    if _count(_hour_key("to", f"{organization.pk}:{email}", now)) > settings.STATUSPAGE_SUBSCRIBE_PER_ADDRESS_HOUR:
        raise RateLimited("Too many sign-ups for this email address; try again later.",
                          {"email": ["Try again later."]})


def _clean_email(email: str, field: str = "email") -> str:
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ApplicationError("Enter a valid email address.", {field: ["Enter a valid email address."]}) from exc
    local, _at, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"


def _components(organization: Organization, public_ids: list[str] | None) -> list[StatusComponent]:
    public_ids = [str(p) for p in (public_ids or []) if str(p).strip()]
    found = list(StatusComponent.objects.filter(organization=organization, public_id__in=public_ids))
    if len(found) != len(set(public_ids)):
        raise ApplicationError("Unknown component.", {"components": ["Unknown component id."]})
    return found


@transaction.atomic
def subscriber_signup(*, organization: Organization, email: str, components: list[str] | None = None,
                      ip: str = "", now: datetime | None = None) -> None:
    """Start (or restart) a double opt-in; mails the confirmation link, or the manage link if already confirmed."""
    now = now or timezone.now()
    email = _clean_email(email)
    chosen = _components(organization, components)
    _check_rate(organization, email.lower(), ip or "unknown", now)
    subscriber = Subscriber.objects.select_for_update().filter(organization=organization, email__iexact=email).first()
    if subscriber is not None and subscriber.is_confirmed:
        mailing.confirmation_send(subscriber=subscriber, now=now)  # the email carries its manage link
        return
    if subscriber is None:
        subscriber = Subscriber.objects.create(organization=organization, email=email)
    else:
        subscriber.token_version += 1  # older confirmation links stop working
    subscriber.confirm_by = now + timedelta(hours=settings.STATUSPAGE_CONFIRM_HOURS)
    subscriber.save()
    subscriber.components.set(chosen)
    mailing.confirmation_send(subscriber=subscriber)
    logger.info("status page sign-up", extra={"organization_id": organization.pk, "subscriber_id": subscriber.pk})


@transaction.atomic
def subscriber_confirm(*, subscriber: Subscriber, now: datetime | None = None) -> Subscriber:
    subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
    if not subscriber.is_confirmed:
        subscriber.confirmed_at, subscriber.confirm_by = now or timezone.now(), None
        subscriber.save(update_fields=["confirmed_at", "confirm_by", "updated_at"])
    return subscriber


@transaction.atomic
def subscriber_set_components(*, subscriber: Subscriber, components: list[str]) -> Subscriber:
    """Choose components by public id (none: all of them)."""
    subscriber.components.set(_components(subscriber.organization, components))
    Subscriber.objects.filter(pk=subscriber.pk).update(updated_at=timezone.now())
    return subscriber


@transaction.atomic
def subscriber_unsubscribe(*, subscriber: Subscriber) -> None:
    """Delete the row: nothing more is sent (queued mail is cancelled at send time), old links die."""
    logger.info("status page unsubscribe", extra={"organization_id": subscriber.organization_id,
                                                  "subscriber_id": subscriber.pk})
    Subscriber.objects.filter(pk=subscriber.pk).delete()


@transaction.atomic
def subscribers_import(*, organization: Organization, emails: list[str], reason: str,
                       components: list[str] | None = None, imported_by: User | None = None) -> dict:
    """Add pre-confirmed subscribers (distribution lists cannot click a link); ``reason`` is recorded.
    Addresses already present are left as they are. Returns counts."""
    if not reason.strip():
        raise ApplicationError("Say why these addresses may be added without opt-in.", {"reason": ["Required."]})
    if not emails or len(emails) > IMPORT_LIMIT:
        raise ApplicationError("Between 1 and 5000 addresses.", {"emails": [f"Between 1 and {IMPORT_LIMIT}."]})
    cleaned = []
    for index, email in enumerate(emails):
        try:
            cleaned.append(_clean_email(str(email)))
        except ApplicationError as exc:
            raise ApplicationError(f"Address {index + 1} is not valid.", {"emails": [f"{index}: not an email."]}) \
                from exc
    chosen = _components(organization, components)
    existing = {e.lower() for e in Subscriber.objects.filter(organization=organization).values_list("email",
                                                                                                    flat=True)}
    now = timezone.now()
    added = 0
    for email in dict.fromkeys(cleaned):
        if email.lower() in existing:
            continue
        subscriber = Subscriber.objects.create(organization=organization, email=email, confirmed_at=now,
                                               imported_reason=reason[:500], imported_by=imported_by)
        subscriber.components.set(chosen)
        existing.add(email.lower())
        added += 1
    logger.info("subscribers imported", extra={"organization_id": organization.pk, "count": added})
    return {"added": added, "skipped": len(cleaned) - added}


def subscribers_expire(*, now: datetime | None = None) -> int:
    """Beat: delete unconfirmed subscriptions past their confirmation time."""
    now = now or timezone.now()
    expired = Subscriber.objects.filter(confirmed_at__isnull=True, confirm_by__lt=now)
    count = expired.count()
    expired.delete()
    return count
