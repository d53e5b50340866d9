"""When an org chat announcement cannot be delivered: retry on the webhook schedule, then email the admins.

An announcement (the incident posted to #incidents) is how the rest of the company learns of an
incident. A chat outage of a few minutes must not lose it: it retries on
``conf.webhook_retry_schedule()`` (about 20 minutes), each retry said on the timeline, and when the
schedule is spent (or the destination refuses it for good) the org's admins and owners get it by
email, also said on the timeline."""

from datetime import datetime, timedelta

from comms import conf, nudge
from comms.enums import Channel, Purpose
from comms.models import Notification
from comms.services.timeline import note
from incidents.enums import TimelineKind
from tenancy import selectors as tenancy_selectors
from tenancy.enums import Role


def announcement_retry_at(notification: Notification, now: datetime) -> datetime | None:
    """When a failed announcement is tried again, or None once the schedule is spent."""
    schedule = conf.webhook_retry_schedule()
    if notification.attempts > len(schedule):
        return None
    return now + timedelta(seconds=schedule[notification.attempts - 1])


def announcement_retry_noted(notification: Notification, retry_at: datetime) -> None:
    """On the timeline (read by viewers too): what we do next, not what the receiver answered."""
    note(notification.incident, TimelineKind.PAGING_DEFERRED,
         f"Announcement to {notification.address} not delivered; attempt "
         f"{notification.attempts + 1} at {retry_at:%H:%M:%S} UTC.",
         notification_id=notification.pk, channel=notification.channel, attempts=notification.attempts,
         retry_at=retry_at.isoformat(), purpose=notification.purpose)


def announcement_email_admins(notification: Notification, now: datetime) -> int:
    """The chat announcement is given up: email it to every admin and owner of the organization (idempotent:
    one row per admin, keyed on the announcement). Returns how many emails were queued."""
    if notification.purpose != Purpose.ANNOUNCEMENT or notification.channel != Channel.CHAT:
        return 0
    admins = list(tenancy_selectors.members_with_role(organization=notification.organization,
                                                      roles=list(Role.admin_roles())))
    queued = []
    for user in admins:
        row, created = Notification.objects.get_or_create(
            idempotency_key=f"{notification.idempotency_key}:admins:u{user.pk}"[:200],
            defaults={"organization_id": notification.organization_id, "incident_id": notification.incident_id,
                      "run_id": notification.run_id, "recipient": user, "channel": Channel.EMAIL,
                      "purpose": Purpose.ANNOUNCEMENT, "address": user.email, "due_at": now, "nudged_at": now})
        if created:
            queued.append(user)
            nudge.notification_on_commit(row.pk)
    if queued:
        note(notification.incident, TimelineKind.SYSTEM,
             f"Announcement to {notification.address} given up; emailed it to the admins "
             f"({', '.join(str(user) for user in queued)}).",
             notification_id=notification.pk, emailed=[user.email for user in queued])
    return len(queued)
