"""Mail of this app through Django's mail API (any django-anymail ESP): meeting invitations, reminders,
monthly reviews. The database is the schedule: every message is a ``Mail`` row with a unique key
written before sending (reminders are keyed by their due time, so one goes per due time whatever the
tick rate); ``mails_send_due`` claims due rows with ``select_for_update(skip_locked=True)``."""

import logging
from datetime import datetime, timedelta

from anymail.exceptions import AnymailError
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from postmortems import render
from postmortems.enums import OPEN_ITEM_STATUSES, MailKind, MailState, PostMortemStatus
from postmortems.models import ActionItem, Mail, PostMortem

logger = logging.getLogger(__name__)
BATCH = 100
LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 5
# Overdue post-mortems are reminded once per due time; older than this they are no longer looked at.
LOOKBACK = timedelta(days=60)


def mail_queue(*, organization_id: int, key: str, kind: str, to: str, subject: str, body: str,
               ics: str = "") -> bool:
    """Write the ledger row (nothing if ``key`` was queued before). Returns whether it is new."""
    _mail, created = Mail.objects.get_or_create(key=key, defaults={
        "organization_id": organization_id, "kind": kind, "to": to, "subject": subject[:300], "body": body,
        "ics": ics})
    return created


def _link(path: str) -> str:
    return f"{settings.FOGHORN_BASE_URL}{path}"


def postmortem_reminders_queue(*, now: datetime) -> int:
    """The owner of an unpublished, unwaived post-mortem: once 24 h before it is due, once when overdue."""
    candidates = (PostMortem.objects.filter(status__in=[PostMortemStatus.DRAFT, PostMortemStatus.IN_REVIEW],
                                            waived_at__isnull=True, owner__isnull=False,
                                            due_at__lte=now + timedelta(hours=24), due_at__gte=now - LOOKBACK)
                  .select_related("owner", "incident"))
    queued = 0
    for postmortem in candidates:
        overdue = postmortem.due_at <= now
        kind = MailKind.POSTMORTEM_OVERDUE if overdue else MailKind.POSTMORTEM_DUE_SOON
        incident = postmortem.incident
        state = "is overdue" if overdue else "is due in less than 24 hours"
        queued += mail_queue(
            organization_id=postmortem.organization_id, to=postmortem.owner.email, kind=kind,
            key=f"pm:{postmortem.pk}:{kind}:{postmortem.due_at.isoformat()}",
            subject=f"Post-mortem of #{incident.number} {state}",
            body=(f"The post-mortem of incident #{incident.number} ({incident.title}) {state}: it was due "
                  f"{postmortem.due_at:%Y-%m-%d %H:%M} UTC (within 48 hours of resolution).\n\n"
                  f"{_link(f'/admin/postmortems/postmortem/{postmortem.pk}/change/')}\n"))
    return queued


def action_item_reminders_queue(*, now: datetime) -> int:
    """The owner of an open item due tomorrow, today or before: at most one reminder a day per item."""
    today = timezone.localdate(now)
    items = (ActionItem.objects.filter(status__in=OPEN_ITEM_STATUSES, owner__isnull=False, due_date__isnull=False,
                                       due_date__lte=today + timedelta(days=1), incident__is_drill=False)
             .select_related("owner", "incident"))
    queued = 0
    for item in items:
        overdue = item.due_date < today
        kind = MailKind.ACTION_ITEM_OVERDUE if overdue else MailKind.ACTION_ITEM_DUE_SOON
        state = f"is overdue (due {item.due_date})" if overdue else f"is due {item.due_date}"
        queued += mail_queue(
            organization_id=item.organization_id, to=item.owner.email, kind=kind, key=f"ai:{item.pk}:{today}",
            subject=f"Action item {state}: {item.title}",
            body=(f"Your action item from incident #{item.incident.number} {state}:\n\n  {item.title}\n\n"
                  + (f"Tracker: {item.tracker_url}\n" if item.tracker_url else "")
                  + _link(f"/admin/postmortems/actionitem/{item.pk}/change/") + "\n"))
    return queued


def _claim(now: datetime) -> list[Mail]:
    with transaction.atomic():
        mails = list(Mail.objects.select_for_update(skip_locked=True)
                     .filter(state=MailState.PENDING, next_attempt_at__lte=now).order_by("next_attempt_at")[:BATCH])
        for mail in mails:
            mail.attempts += 1
            mail.next_attempt_at = now + LEASE  # a worker killed mid-send leaves it for the next claim
        Mail.objects.bulk_update(mails, ["attempts", "next_attempt_at"])
    return mails


def _send(mail: Mail) -> str:
    message = EmailMultiAlternatives(subject=mail.subject, body=mail.body, from_email=settings.DEFAULT_FROM_EMAIL,
                                     to=[mail.to], headers={"X-Foghorn-Idempotency-Key": mail.key})
    if mail.ics:
        message.attach("invite.ics", mail.ics, "text/calendar; method=REQUEST; charset=utf-8")
    message.tags = [f"postmortems-{mail.kind}"]  # one tag: several ESPs (Postmark) take only one
    message.metadata = {"organization_id": str(mail.organization_id), "mail_id": str(mail.pk)}
    message.send(fail_silently=False)
    status = getattr(message, "anymail_status", None)
    return str(status.message_id) if status is not None and status.message_id else ""


def mail_deliver(mail: Mail, now: datetime) -> str:
    try:
        message_id = _send(mail)
    except (AnymailError, OSError) as exc:
        failed = mail.attempts >= MAX_ATTEMPTS
        Mail.objects.filter(pk=mail.pk).update(
            last_error=str(exc)[:2000], state=MailState.FAILED if failed else MailState.PENDING,
            next_attempt_at=now + timedelta(seconds=30 * 2 ** mail.attempts))
        logger.warning("post-mortem mail not sent", extra={"mail_id": mail.pk, "attempts": mail.attempts})
        return "failed" if failed else "retry"
    Mail.objects.filter(pk=mail.pk).update(state=MailState.SENT, sent_at=timezone.now(), message_id=message_id,
                                           last_error="")
    return "sent"


def mails_send_due(*, now: datetime | None = None) -> int:
    """Send every due ledger row once (claimed under a lease, so two tickers never send the same row)."""
    now = now or timezone.now()
    return sum(mail_deliver(mail, now) == "sent" for mail in _claim(now))


def mails_tick(*, now: datetime | None = None) -> dict:
    """Beat: write the reminders that are due, then send what is due."""
    now = now or timezone.now()
    return {"postmortem_reminders": postmortem_reminders_queue(now=now),
            "action_item_reminders": action_item_reminders_queue(now=now),
            "sent": mails_send_due(now=now)}


def invitations_queue(*, postmortem: PostMortem, now: datetime) -> int:
    """One invitation (with the .ics) per attendee and meeting time: a reschedule invites again."""
    emails = [user.email for user in postmortem.attendees.all() if user.email]
    if postmortem.owner is not None and postmortem.owner.email not in emails:
        emails.append(postmortem.owner.email)
    ics = render.invitation_ics(postmortem, emails)
    incident = postmortem.incident
    when = render.when_phrase(postmortem.meeting_at, now, render.zone_of(incident.organization))
    queued = 0
    for email in emails:
        queued += mail_queue(
            organization_id=postmortem.organization_id, kind=MailKind.INVITATION, to=email, ics=ics,
            key=f"pm:{postmortem.pk}:invite:{postmortem.meeting_at.isoformat()}:{email}",
            subject=f"Post-mortem: scheduled for {when} (#{incident.number} {incident.title})",
            body=(f"Post-mortem: scheduled for {when}.\n\nIncident #{incident.number}: {incident.title}\n"
                  f"{postmortem.meeting_minutes} minutes"
                  + (f", {postmortem.meeting_location}" if postmortem.meeting_location else "") + ".\n\n"
                  "Agenda (blameless): timeline, root cause (5 whys), impact, what went well, what went poorly, "
                  "action items with owners and deadlines.\n"))
    return queued
