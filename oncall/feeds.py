"""The public, secret iCal feed (RFC 5545): ``GET /ical/<token>.ics``.

Only the SHA-256 of the token is stored. One event per final shift (overrides included),
with a UID built from (schedule, person, start) so a regenerated feed updates the events a
calendar client already has instead of duplicating them.
"""

from datetime import UTC, timedelta

import icalendar
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from oncall import selectors
from oncall.models import ICalFeed
from tenancy.models import Membership
from tenancy.tokens import hash_secret

PAST = timedelta(days=30)
FUTURE = timedelta(days=180)


def shift_uid(schedule_id: int, user_id: int, start) -> str:
    return f"oncall-{schedule_id}-{user_id}-{start.astimezone(UTC):%Y%m%dT%H%M%SZ}@foghorn"


def build_calendar(entries, name: str) -> bytes:
    """``entries``: (schedule, Shift) pairs → an iCalendar document."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Foghorn//On-call//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    stamp = timezone.now().astimezone(UTC)
    for schedule, shift in entries:
        event = icalendar.Event()
        event.add("uid", shift_uid(schedule.pk, shift.user.pk, shift.start))
        event.add("dtstamp", stamp)
        event.add("dtstart", shift.start.astimezone(UTC))
        event.add("dtend", shift.end.astimezone(UTC))
        event.add("summary", f"On call: {schedule.name}")
        event.add("description", f"{shift.user.name or shift.user.email} is on call for {schedule.name}.")
        event.add("attendee", f"mailto:{shift.user.email}")
        calendar.add_component(event)
    return calendar.to_ical()


def feed_entries(feed: ICalFeed, since, until) -> tuple[list, str]:
    schedules = selectors.schedule_queryset(since=since - selectors.OVERFLOW_CAP, until=until + selectors.OVERFLOW_CAP)
    schedules = schedules.filter(organization_id=feed.organization_id)
    if feed.schedule_id is not None:
        schedules = schedules.filter(pk=feed.schedule_id)
    entries = []
    for schedule in schedules.order_by("name", "id"):
        for shift in selectors.shifts(schedule, since, until, overflow=True):
            if feed.schedule_id is not None or shift.user.pk == feed.user_id:
                entries.append((schedule, shift))
    entries.sort(key=lambda entry: (entry[1].start, entry[0].pk))
    name = feed.schedule.name if feed.schedule_id else f"On call: {feed.user.email}"
    return entries, name


@require_GET
def ical_feed(request, token: str):
    feed = (
        ICalFeed.objects.select_related("schedule", "user")
        .filter(token_hash=hash_secret(token), revoked_at__isnull=True)
        .first()
    )
    owner_id = (feed.user_id or feed.created_by_id) if feed else None
    if feed is None or not Membership.objects.filter(organization_id=feed.organization_id, user_id=owner_id).exists():
        raise Http404("Unknown feed.")
    now = timezone.now()
    entries, name = feed_entries(feed, now - PAST, now + FUTURE)
    response = HttpResponse(build_calendar(entries, name), content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response
