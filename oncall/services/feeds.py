"""iCal feeds (secret URLs of a schedule's or a person's shifts) and handoff notice preferences."""

import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from oncall.models import HANDOFF_LEAD_MAX, HANDOFF_LEAD_MIN, ICalFeed, OncallPreference, Schedule
from tenancy.errors import ApplicationError
from tenancy.models import Organization, User
from tenancy.tokens import hash_secret

ICAL_TOKEN_PREFIX = "ical_"  # noqa: S105 — a public prefix, not a secret


def _new_feed_secret() -> str:
    return ICAL_TOKEN_PREFIX + secrets.token_urlsafe(30)[:40]


@transaction.atomic
def ical_feed_rotate(*, organization: Organization, created_by: User, schedule: Schedule | None = None,
                     user: User | None = None) -> tuple[ICalFeed, str]:
    """Create a feed, revoking the caller's previous one: a schedule's shifts (``schedule``) or ``user``'s own
    shifts on every schedule of the org. Returns the row and the secret, which is shown once and never stored."""
    ical_feed_revoke(organization=organization, schedule=schedule, user=created_by if schedule else user)
    secret = _new_feed_secret()
    feed = ICalFeed.objects.create(organization=organization, schedule=schedule, user=None if schedule else user,
                                   prefix=secret[:10], token_hash=hash_secret(secret), created_by=created_by)
    return feed, secret


def ical_feed_revoke(*, organization: Organization, user: User, schedule: Schedule | None = None) -> int:
    """Revoke ``user``'s feed of ``schedule`` (or their personal feed when no schedule)."""
    feeds = ICalFeed.objects.filter(organization=organization, revoked_at__isnull=True)
    if schedule is not None:
        feeds = feeds.filter(schedule=schedule, created_by=user)
    else:
        feeds = feeds.filter(schedule__isnull=True, user=user)
    return feeds.update(revoked_at=timezone.now())


@transaction.atomic
def oncall_preference_update(*, organization: Organization, user: User, handoff_lead_time: timedelta | None = None,
                             handoff_notices: bool | None = None) -> OncallPreference:
    preference, _created = OncallPreference.objects.select_for_update().get_or_create(organization=organization,
                                                                                       user=user)
    if handoff_lead_time is not None:
        if not HANDOFF_LEAD_MIN <= handoff_lead_time <= HANDOFF_LEAD_MAX:
            raise ApplicationError("The lead time is between 15 minutes and 7 days.",
                                   {"handoff_lead_time": ["Between 15 minutes and 7 days."]})
        preference.handoff_lead_time = handoff_lead_time
    if handoff_notices is not None:
        preference.handoff_notices = handoff_notices
    preference.save()
    return preference


@transaction.atomic
def oncall_preference_delete(*, preference: OncallPreference) -> None:
    """Back to the defaults (one hour's notice, notices on)."""
    preference.delete()
