"""Sending one notification: check it is still wanted, throttle, send, then record the outcome.

The row is claimed (pending → sending, with a lease) in a short transaction, the provider is
called outside any transaction, and the outcome is written in another. A worker killed while
sending leaves the row in ``sending``; after the lease the ticker hands it out again with the
same idempotency key (providers and receivers see it in ``Idempotency-Key``)."""

import hashlib
import logging
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from comms import channels, conf, messages, nudge, selectors
from comms.channels import Target
from comms.defaults import DEFAULT_THROTTLES
from comms.enums import Channel, NotificationState, Purpose, RunState
from comms.models import ChannelThrottle, Notification
from comms.services import announcements, circuits
from comms.services.paging import idempotency_key
from comms.services.timeline import note, person
from incidents.enums import IncidentStatus, TimelineKind
from incidents.models import Incident

logger = logging.getLogger(__name__)
S = NotificationState
TK = TimelineKind
NUDGE_BATCH = 500


def _throttle_of(organization_id: int, channel: str) -> tuple[int, int] | None:
    row = ChannelThrottle.objects.filter(organization_id=organization_id, channel=channel).first()
    if row is not None:
        return row.max_count, row.per_seconds
    return DEFAULT_THROTTLES.get(channel)


def _lock_address(notification: Notification) -> None:
    """Serialise throttle checks per (org, channel, address) for this transaction."""
    if connection.vendor != "postgresql":
        return
    key = f"{notification.organization_id}:{notification.channel}:{notification.address}"
    number = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [number])


def throttled_until(notification: Notification, now: datetime) -> datetime | None:
    """When the throttle lets this message go, or None if it may go now."""
    limit = _throttle_of(notification.organization_id, notification.channel)
    if limit is None or not notification.address:
        return None
    max_count, per_seconds = limit
    _lock_address(notification)
    window_start = now - timedelta(seconds=per_seconds)
    recent = list(Notification.objects.filter(
        organization_id=notification.organization_id, channel=notification.channel, address=notification.address,
        sent_at__gte=window_start).exclude(pk=notification.pk).order_by("-sent_at").values_list("sent_at", flat=True)
        [:max_count])
    if len(recent) < max_count:
        return None
    return recent[-1] + timedelta(seconds=per_seconds)


def _still_wanted(notification: Notification, incident: Incident) -> str:
    """Why a page must not go out any more ("" if it should)."""
    if notification.purpose != Purpose.PAGE:
        return ""
    if incident.status != IncidentStatus.TRIGGERED:
        return f"incident {incident.status}"
    run = notification.run
    if run is not None and run.state not in (RunState.ACTIVE, RunState.EXHAUSTED):
        return f"run {run.state}"
    return ""


def _claim(notification_id: int, now: datetime) -> Notification | None:
    """Lock the row and move it to ``sending`` if it is due and still wanted; else None."""
    with transaction.atomic():
        # Wait for the lock (held only for short claims and the ticker's updates; never while sending):
        # skipping a locked row here would leave it to the next re-nudge, seconds later.
        notification = (Notification.objects.select_for_update(of=("self",))
                        .select_related("run").filter(pk=notification_id).first())
        if notification is None or notification.state != S.PENDING or notification.due_at > now:
            return None
        incident = Incident.objects.select_related("severity", "service").get(pk=notification.incident_id)
        reason = _still_wanted(notification, incident)
        if reason:
            notification.state, notification.cancelled_at, notification.last_error = S.CANCELLED, now, reason
            notification.save()
            return None
        until = throttled_until(notification, now)
        if until is not None:
            notification.due_at, notification.nudged_at = until, None
            notification.save()
            note(incident, TK.PAGING_DEFERRED, f"{notification.get_channel_display()} to {_who(notification)} "
                 f"deferred until {until:%H:%M:%S} UTC by the {notification.channel} throttle.",
                 notification_id=notification.pk, channel=notification.channel, until=until.isoformat())
            return None
        notification.state = S.SENDING
        notification.attempts += 1
        notification.sent_at = now
        notification.lease_until = now + timedelta(seconds=conf.send_lease_seconds())
        notification.save()
        return notification


def _who(notification: Notification) -> str:
    if notification.recipient_id:
        return str(notification.recipient)
    return notification.address


def _target(notification: Notification) -> Target:
    if notification.chat_destination_id:
        destination = notification.chat_destination
        return Target(address=destination.url, format=destination.format)
    method = notification.contact_method
    if method is not None and method.organization_id != notification.organization_id:
        # Contact methods belong to (person, organization): another org's is never used.
        raise channels.PermanentError("The contact method belongs to another organization.")
    address = method.value if method else notification.address
    if notification.channel == Channel.CHAT and not address.startswith(("http://", "https://")):
        destination = selectors.default_chat_destination(organization=notification.organization)
        if destination is None:
            raise channels.PermanentError("Chat user id but the organization has no chat destination.")
        return Target(address=destination.url, format=destination.format, mention=f"<@{address}>")
    if not address and notification.recipient_id and notification.channel == Channel.EMAIL:
        address = notification.recipient.email
    return Target(address=address, secret=method.secret if method else "")


def _breaker_url(notification: Notification, target: Target) -> str:
    """The URL whose circuit guards this send (chat and webhook posts), or ""."""
    if notification.channel in (Channel.CHAT, Channel.WEBHOOK) and target.address.startswith(("http://", "https://")):
        return target.address
    return ""


def _send(notification: Notification, now: datetime) -> str:
    """Render, check the destination's circuit, hand to the channel, record the outcome."""
    url = ""
    try:
        message = messages.render(notification)
        target = _target(notification)
        url = _breaker_url(notification, target)
        until = url and circuits.circuit_open_until(organization_id=notification.organization_id, url=url, now=now)
        if until:
            # A page falls through to the person's next channel now; anything else waits for the circuit.
            return _record_failure(notification.pk, f"Skipped: {notification.address or 'the destination'} "
                                   f"failed repeatedly; its circuit is open until {until:%H:%M:%S} UTC.",
                                   transient=notification.purpose != Purpose.PAGE, not_before=until)
        provider_id = channels.send(notification.channel, message, target)
    except channels.TransientError as exc:
        if url:
            circuits.circuit_failure(organization_id=notification.organization_id, url=url, reason=str(exc),
                                     incident=notification.incident)
        return _record_failure(notification.pk, str(exc), transient=True)
    except channels.PermanentError as exc:
        return _record_failure(notification.pk, str(exc), transient=False)
    except Exception as exc:  # an adapter bug must not leave the row stuck: treat as transient
        logger.exception("channel adapter crashed", extra={"notification_id": notification.pk})
        return _record_failure(notification.pk, f"{type(exc).__name__} in the channel adapter", transient=True)
    if url:
        circuits.circuit_success(organization_id=notification.organization_id, url=url)
    _record_sent(notification.pk, provider_id)
    return "sent"


def notification_deliver(*, notification_id: int, now: datetime | None = None) -> str:
    """Send one notification if it is due and still wanted. Returns what happened (for logs and tests):
    ``sent``, ``retry``, ``failed``, ``noop``, or — when its organization already has its share of sends
    in flight in this process — ``busy`` (the caller re-queues it) or ``slow`` (those sends hang: the
    ticker re-nudges it later). At most one worker holds a row at a time."""
    organization_id = Notification.objects.filter(pk=notification_id).values_list("organization_id", flat=True).first()
    if organization_id is None:
        return "noop"
    with circuits.organization_slot(organization_id) as slot:
        if not slot.granted:
            return "slow" if slot.slow else "busy"
        now = now or timezone.now()
        notification = _claim(notification_id, now)
        if notification is None:
            return "noop"
        return _send(notification, now)


@transaction.atomic
def _record_sent(notification_id: int, provider_id: str) -> None:
    notification = Notification.objects.select_for_update(of=("self",)).select_related("incident", "recipient").get(
        pk=notification_id)
    if notification.state != S.SENDING:
        return
    notification.state = S.SENT
    notification.provider_message_id = provider_id or ""
    notification.lease_until = None
    notification.last_error = ""
    notification.save()
    channel = notification.get_channel_display()
    if notification.purpose == Purpose.PAGE:
        note(notification.incident, TK.NOTIFICATION_SENT, f"Paged {_who(notification)} by {channel}.",
             notification_id=notification.pk, person=person(notification.recipient), channel=notification.channel,
             step=(notification.step or 0) + 1, loop=notification.loop, purpose=notification.purpose)
    else:
        note(notification.incident, TK.NOTIFICATION_SENT,
             f"{notification.get_purpose_display()} sent to {_who(notification)} by {channel}.",
             notification_id=notification.pk, channel=notification.channel, purpose=notification.purpose)


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(conf.retry_base_seconds() * 2 ** max(attempts - 1, 0), 60))


def _retry_at(notification: Notification, now: datetime, transient: bool, not_before: datetime | None):
    """When a failed send is tried again, or None when it has failed for good."""
    if not transient:
        return None
    if notification.purpose == Purpose.ANNOUNCEMENT:
        at = announcements.announcement_retry_at(notification, now)
    elif notification.attempts < conf.max_attempts():
        at = now + _backoff(notification.attempts)
    else:
        return None
    return max(at, not_before) if at and not_before else at


@transaction.atomic
def _record_failure(notification_id: int, error: str, *, transient: bool, not_before: datetime | None = None) -> str:
    notification = (Notification.objects.select_for_update(of=("self",))
                    .select_related("incident", "recipient", "run", "organization").get(pk=notification_id))
    if notification.state != S.SENDING:
        return "noop"
    now = timezone.now()
    notification.last_error = error[:500]
    notification.lease_until = None
    notification.sent_at = None
    retry_at = _retry_at(notification, now, transient, not_before)
    if retry_at is not None:
        notification.state = S.PENDING
        notification.due_at = retry_at
        notification.nudged_at = None
        notification.save()
        if notification.purpose == Purpose.ANNOUNCEMENT:
            announcements.announcement_retry_noted(notification, retry_at)
        return "retry"
    notification.state = S.FAILED
    notification.failed_at = now
    notification.save()
    # The timeline is read by viewers too: it says what we did, not what the receiver answered (that is in
    # the delivery ledger, for responders).
    ours = f": {error[:200]}" if error.startswith("Skipped") else f" after {notification.attempts} attempt(s)"
    note(notification.incident, TK.NOTIFICATION_FAILED,
         f"{notification.get_channel_display()} to {_who(notification)} failed{ours}.",
         notification_id=notification.pk, channel=notification.channel,
         attempts=notification.attempts, person=person(notification.recipient))
    fall_through(notification, now)
    announcements.announcement_email_admins(notification, now)
    return "failed"


def fall_through(notification: Notification, now: datetime) -> None:
    """After a permanent failure (or a bounce) of a page, bring the person's next pending channel forward;
    if none is left, email their account address as the last resort."""
    if notification.purpose != Purpose.PAGE or notification.recipient_id is None or notification.run_id is None:
        return
    following = (Notification.objects.filter(run_id=notification.run_id, step=notification.step,
                                             loop=notification.loop, recipient_id=notification.recipient_id,
                                             purpose=Purpose.PAGE, state=S.PENDING)
                 .exclude(pk=notification.pk).order_by("due_at", "id").first())
    if following is not None:
        if following.due_at > now:
            following.due_at, following.nudged_at = now, now
            following.save(update_fields=["due_at", "nudged_at", "updated_at"])
        nudge.notification_on_commit(following.pk)
        return
    if notification.channel == Channel.EMAIL:
        return
    key = idempotency_key(notification.run_id, notification.step, notification.loop,
                          f"u{notification.recipient_id}", Channel.EMAIL)
    fallback, created = Notification.objects.get_or_create(idempotency_key=key, defaults={
        "organization_id": notification.organization_id, "incident_id": notification.incident_id,
        "run_id": notification.run_id, "recipient_id": notification.recipient_id, "channel": Channel.EMAIL,
        "purpose": Purpose.PAGE, "address": notification.recipient.email, "due_at": now, "nudged_at": now,
        "step": notification.step, "loop": notification.loop})
    if created:
        nudge.notification_on_commit(fallback.pk)


def notifications_tick(*, now: datetime | None = None) -> int:
    """Beat: hand out again sends whose worker died (lease over), and nudge due rows nobody picked up
    (a lost or purged task). Returns how many were nudged. Status page subscriber mail has its own
    sender and ticker on the bulk queue (``comms.statuspage.services.mailing``)."""
    now = now or timezone.now()
    with transaction.atomic():
        # Campaign rows are the campaign sender's (comms.services.campaigns): never re-sent one by one.
        stuck = list(Notification.objects.select_for_update(skip_locked=True)
                     .filter(state=S.SENDING, lease_until__lt=now, campaign__isnull=True)
                     .exclude(purpose=Purpose.SUBSCRIBER)
                     .values_list("pk", flat=True)[:NUDGE_BATCH])
        if stuck:
            Notification.objects.filter(pk__in=stuck, state=S.SENDING).update(
                state=S.PENDING, due_at=now, nudged_at=None, sent_at=None, lease_until=None,
                last_error="The worker sending this stopped; sending again with the same idempotency key.")
            logger.warning("re-sending notifications whose worker died", extra={"count": len(stuck)})
    stale = now - timedelta(seconds=conf.renudge_seconds())
    with transaction.atomic():
        due = list(Notification.objects.select_for_update(skip_locked=True)
                   .filter(state=S.PENDING, due_at__lte=now, campaign__isnull=True).exclude(purpose=Purpose.SUBSCRIBER)
                   .exclude(nudged_at__gt=stale).order_by("due_at").values_list("pk", flat=True)[:NUDGE_BATCH])
        Notification.objects.filter(pk__in=due).update(nudged_at=now)
        for notification_id in due:
            nudge.notification_on_commit(notification_id)
    return len(due)


TRACKING_STATES = {
    "delivered": S.DELIVERED,
    "bounced": S.BOUNCED,
    "rejected": S.BOUNCED,
    "failed": S.BOUNCED,
    "complained": S.COMPLAINED,
}
# A later event may only move a notification forward.
STATE_RANK = {S.PENDING: 0, S.SENDING: 1, S.SENT: 2, S.DELIVERED: 3, S.BOUNCED: 4, S.COMPLAINED: 5}


def _tracked_notification(event) -> Notification | None:
    metadata = getattr(event, "metadata", None) or {}
    notification_id = str(metadata.get("notification_id") or "")
    key = str(metadata.get("idempotency_key") or "")
    query = Notification.objects.select_for_update(of=("self",)).select_related("incident", "recipient")
    if notification_id.isdigit():
        found = query.filter(pk=int(notification_id)).first()
        if found is not None and (not key or found.idempotency_key == key):
            return found
    if event.message_id:
        # A batch send (a campaign) shares one message id among its recipients: match the recipient too.
        same_id = query.filter(channel=Channel.EMAIL, provider_message_id=str(event.message_id))
        recipient = str(getattr(event, "recipient", "") or "")
        found = same_id.filter(address__iexact=recipient).first() if recipient else None
        return found or same_id.first()
    return None


@transaction.atomic
def notification_track(*, event) -> Notification | None:
    """Apply an Anymail tracking event (delivered, bounced, complained…) to its Notification. A bounced
    page falls through to the person's next channel."""
    state = TRACKING_STATES.get(event.event_type)
    if state is None:
        return None
    notification = _tracked_notification(event)
    if notification is None or STATE_RANK.get(notification.state, 9) >= STATE_RANK[state]:
        return notification
    now = timezone.now()
    notification.state = state
    if state == S.DELIVERED:
        notification.delivered_at = now
    else:
        notification.failed_at = now
        notification.last_error = (event.description or event.mta_response or event.event_type or "")[:2000]
    notification.save()
    # Subscriber mail has no incident, and campaigns count their bounces themselves.
    if state in (S.BOUNCED, S.COMPLAINED) and notification.purpose != Purpose.SUBSCRIBER \
            and notification.campaign_id is None:
        note(notification.incident, TK.NOTIFICATION_FAILED, f"Email to {_who(notification)} {state}.",
             notification_id=notification.pk, channel=notification.channel)
        if state == S.BOUNCED:
            fall_through(notification, now)
    return notification
