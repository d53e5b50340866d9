"""Subscriber mail on the bulk queue: one ``comms.models.Notification`` per subscriber and update
(purpose ``subscriber``), committed with its unique idempotency key before anything is sent.

The key says what the row is for (the ledger has no payload column): ``sp:u:<status update>:<sub>``
(a public status update), ``sp:m:<maintenance update>:<sub>``, ``sp:c:<sub>:<token version>`` (the
confirmation). Rows are sent in batches by ``statuspage.send_batch`` (queue ``bulk``): each row is
claimed (pending → sending with a lease, ``skip_locked``), sent outside any transaction through
Django's mail API (any Anymail ESP), and recorded. ``mail_tick`` (beat) re-sends rows whose worker
died and nudges rows nobody picked up. comms' own paging ticker leaves these rows alone."""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from comms import channels, conf
from comms.channels import Message, Target
from comms.enums import Channel, NotificationState, Purpose
from comms.models import Notification, StatusUpdate
from comms.statuspage import nudge, signing
from comms.statuspage.models import MaintenanceUpdate, StatusComponent, StatusPage, Subscriber
from comms.statuspage.publish import UPDATE_STATUS

logger = logging.getLogger(__name__)
S = NotificationState
BATCH = 100
LEASE = timedelta(seconds=120)
RENUDGE = timedelta(seconds=30)
QUEUE = "bulk"


def _recipients(organization_id: int, component_ids: set[int]):
    """Confirmed subscribers of any of these components (or of their group), and those who chose none (all)."""
    groups = set(StatusComponent.objects.filter(pk__in=component_ids, group__isnull=False)
                 .values_list("group_id", flat=True))
    wanted = component_ids | groups
    return (Subscriber.objects.filter(organization_id=organization_id, confirmed_at__isnull=False)
            .filter(Q(components__isnull=True) | Q(components__in=wanted)).distinct().order_by("pk"))


def _queue(prefix: str, organization_id: int, incident_id: int | None, subscribers) -> int:
    now = timezone.now()
    rows = [Notification(organization_id=organization_id, incident_id=incident_id, channel=Channel.EMAIL,
                         purpose=Purpose.SUBSCRIBER, address=subscriber.email, due_at=now, nudged_at=now,
                         idempotency_key=f"{prefix}{subscriber.pk}")
            for subscriber in subscribers]
    Notification.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    transaction.on_commit(lambda: nudge_prefix(prefix))
    return len(rows)


def status_update_notify(*, status_update: StatusUpdate, component_ids: set[int]) -> int:
    """Queue one email per confirmed subscriber of the components for a public update (idempotent)."""
    page = StatusPage.objects.filter(organization_id=status_update.organization_id, enabled=True).first()
    if page is None:
        return 0
    subscribers = _recipients(status_update.organization_id, component_ids)
    return _queue(f"sp:u:{status_update.public_id}:", status_update.organization_id, status_update.incident_id,
                  subscribers)


def maintenance_update_notify(*, update: MaintenanceUpdate) -> int:
    """Queue one email per confirmed subscriber of the maintenance's components (all, if it names none)."""
    page = StatusPage.objects.filter(organization_id=update.organization_id, enabled=True).first()
    if page is None:
        return 0
    component_ids = set(update.maintenance.components.values_list("pk", flat=True))
    if component_ids:
        subscribers = _recipients(update.organization_id, component_ids)
    else:
        subscribers = Subscriber.objects.filter(organization_id=update.organization_id,
                                                confirmed_at__isnull=False).order_by("pk")
    return _queue(f"sp:m:{update.public_id}:", update.organization_id, None, subscribers)


def confirmation_send(*, subscriber: Subscriber, now: datetime | None = None) -> None:
    """Queue the double opt-in email: a new key per token version (a repeated sign-up bumps it); an
    address already confirmed gets its manage link again, at most once an hour."""
    version = str(subscriber.token_version)
    if subscriber.is_confirmed:
        version += f"-{(now or timezone.now()):%Y%m%d%H}"
    _queue(f"sp:c:{version}:", subscriber.organization_id, None, [subscriber])


def _send_batch(ids: list[int]) -> None:
    nudge.send("send_batch", ids)


def nudge_prefix(prefix: str) -> None:
    ids = list(Notification.objects.filter(idempotency_key__startswith=prefix, state=S.PENDING,
                                           purpose=Purpose.SUBSCRIBER).values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        _send_batch(ids[start:start + BATCH])


# --- sending -------------------------------------------------------------------------------------------

def _claim(notification_id: int, now: datetime) -> Notification | None:
    with transaction.atomic():
        row = (Notification.objects.select_for_update(skip_locked=True)
               .filter(pk=notification_id, purpose=Purpose.SUBSCRIBER, state=S.PENDING, due_at__lte=now).first())
        if row is None:
            return None
        row.state, row.attempts, row.sent_at, row.lease_until = S.SENDING, row.attempts + 1, now, now + LEASE
        row.save(update_fields=["state", "attempts", "sent_at", "lease_until", "updated_at"])
        return row


def _subscriber_of(row: Notification) -> tuple[str, str, Subscriber | None]:
    """(kind, subject id, subscriber) from the row's key; the subscriber None if gone (unsubscribed)."""
    _sp, kind, subject, subscriber_id = row.idempotency_key.split(":", 3)
    subscriber = (Subscriber.objects.select_related("organization")
                  .filter(pk=int(subscriber_id), organization_id=row.organization_id).first())
    if subscriber is not None and (subscriber.email != row.address or (kind != "c" and not subscriber.is_confirmed)):
        subscriber = None
    return kind, subject, subscriber


def _context(kind: str, subject: str, subscriber: Subscriber) -> dict | None:
    page = StatusPage.objects.filter(organization_id=subscriber.organization_id, enabled=True).first()
    if page is None:
        return None
    context = {"page": page, "page_title": page.title or subscriber.organization.name, "kind": kind,
               "manage_url": signing.manage_url(subscriber), "unsubscribe_url": signing.unsubscribe_url(subscriber),
               "page_url": f"{conf.base_url()}/status/{subscriber.organization.slug}/"}
    if kind == "c":
        context["confirm_url"] = signing.confirm_url(subscriber)
        context["already"] = subscriber.is_confirmed
        context["subject"] = (f"Your subscription to {context['page_title']}" if subscriber.is_confirmed else
                              f"Confirm your subscription to {context['page_title']}")
    elif kind == "u":
        update = StatusUpdate.objects.filter(public_id=subject, organization_id=subscriber.organization_id).first()
        if update is None:
            return None
        context.update(title=update.title, status=UPDATE_STATUS.get(update.status, update.status), body=update.body)
    else:
        update = (MaintenanceUpdate.objects.select_related("maintenance")
                  .filter(public_id=subject, organization_id=subscriber.organization_id).first())
        if update is None:
            return None
        context.update(title=update.maintenance.title, status=update.get_status_display(), body=update.body,
                       maintenance=update.maintenance)
    if "subject" not in context:
        context["subject"] = f"[{context['page_title']}] {context['title']}: {context['status']}"
    return context


def _message(row: Notification, context: dict) -> Message:
    headers = {"List-Unsubscribe": f"<{context['unsubscribe_url']}>",
               "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    return Message(subject=context["subject"][:200], text=render_to_string("statuspage/email.txt", context),
                   html=render_to_string("statuspage/email.html", context), idempotency_key=row.idempotency_key,
                   tags=["statuspage"], headers=headers,  # one tag: Postmark refuses more
                   metadata={"notification_id": str(row.pk), "idempotency_key": row.idempotency_key,
                             "organization_id": str(row.organization_id)})


def _finish(row_id: int, state: str, error: str = "", provider_id: str = "", retry: bool = False) -> str:
    now = timezone.now()
    with transaction.atomic():
        row = Notification.objects.select_for_update().get(pk=row_id)
        if row.state not in (S.SENDING, S.PENDING):
            return "noop"
        row.lease_until, row.last_error = None, error[:2000]
        if retry and row.attempts < conf.max_attempts():
            row.state, row.due_at, row.nudged_at, row.sent_at = S.PENDING, now + timedelta(seconds=30), None, None
        elif state == S.SENT:
            row.state, row.provider_message_id = S.SENT, provider_id or ""
        else:
            row.state = S.CANCELLED if state == S.CANCELLED else S.FAILED
            row.cancelled_at = now if row.state == S.CANCELLED else None
            row.failed_at = now if row.state == S.FAILED else None
        row.save()
        return row.state


def mail_send(*, notification_id: int, now: datetime | None = None) -> str:
    """Send one subscriber email if it is still pending and wanted. Returns the row's new state or noop."""
    row = _claim(notification_id, now or timezone.now())
    if row is None:
        return "noop"
    kind, subject, subscriber = _subscriber_of(row)
    context = _context(kind, subject, subscriber) if subscriber is not None else None
    if context is None:
        return _finish(row.pk, S.CANCELLED, "unsubscribed, page disabled or update gone")
    try:
        provider_id = channels.send(Channel.EMAIL, _message(row, context), Target(address=row.address))
    except channels.TransientError as exc:
        return _finish(row.pk, S.FAILED, str(exc), retry=True)
    except channels.PermanentError as exc:
        return _finish(row.pk, S.FAILED, str(exc))
    return _finish(row.pk, S.SENT, provider_id=provider_id)


def mail_tick(*, now: datetime | None = None) -> int:
    """Beat: re-queue rows whose worker died (lease over) and nudge due rows nobody picked up."""
    now = now or timezone.now()
    mine = Notification.objects.filter(purpose=Purpose.SUBSCRIBER)
    with transaction.atomic():
        stuck = list(mine.select_for_update(skip_locked=True).filter(state=S.SENDING, lease_until__lt=now)
                     .values_list("pk", flat=True)[:1000])
        Notification.objects.filter(pk__in=stuck, state=S.SENDING).update(state=S.PENDING, due_at=now, nudged_at=None,
                                                                          lease_until=None)
    with transaction.atomic():
        due = list(mine.select_for_update(skip_locked=True).filter(state=S.PENDING, due_at__lte=now)
                   .exclude(nudged_at__gt=now - RENUDGE).values_list("pk", flat=True)[:5000])
        Notification.objects.filter(pk__in=due).update(nudged_at=now)
    for start in range(0, len(due), BATCH):
        transaction.on_commit(lambda ids=due[start:start + BATCH]: _send_batch(ids))
    return len(due)
