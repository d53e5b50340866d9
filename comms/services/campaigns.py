"""Affected-user email campaigns (plan section 11): started once the incident is resolved, sent in the
ESP's batches on the ``bulk`` queue so they never delay a page.

Exactly once: the task first writes one ``Notification`` per recipient (key ``campaign:<id>:a<user>``),
then per batch claims rows (pending → sending), marks them handed (``sent_at``) just before the ESP call
and records the outcome after it. A worker killed before handing leaves rows that go back to pending; a
worker killed during the ESP call leaves rows whose outcome is unknown: they are marked failed, never sent
again (nobody gets the email twice). The campaign row carries a lease: one worker at a time, and the
ticker re-queues a campaign whose worker stopped checking in."""

import logging
import time
from datetime import datetime, timedelta

from anymail.exceptions import AnymailAPIError, AnymailError
from anymail.message import AnymailMessage
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from comms import conf, nudge, templating
from comms.enums import CampaignState, Channel, NotificationState, Purpose, TemplateKind
from comms.models import AffectedUser, EmailCampaign, Notification
from comms.services import drafting, esp
from comms.services.templates import template_source
from comms.services.timeline import note
from incidents import services as incident_services
from incidents.enums import TimelineKind
from incidents.models import Incident
from tenancy.errors import ApplicationError, ConflictError

logger = logging.getLogger(__name__)
S = NotificationState
MATERIALIZE_BATCH = 2000
# A task sends for about this long, then hands the rest to a fresh task (Celery's time limit is 120 s).
TASK_BUDGET_SECONDS = 50
STALE_NUDGE = timedelta(seconds=30)
OVERRIDES = ("what_happened", "impact", "resolution", "compensation", "date", "start_time", "end_time",
             "duration", "company")


@transaction.atomic
def campaign_start(*, incident: Incident, created_by=None, name: str | None = None, subject: str | None = None,
                   text: str | None = None, overrides: dict | None = None) -> EmailCampaign:
    """Start the post-incident email to the incident's affected users (only once it is resolved). One
    campaign per name: a second start of the same name is a 409 (name a new campaign to send again)."""
    incident = incident_services.incident_lock(incident)
    if incident.is_open:
        raise ConflictError("Affected users are emailed after resolution.",
                            {"incident": [f"Incident #{incident.number} is {incident.status}."]})
    name = (name or "default").strip()[:100] or "default"
    if EmailCampaign.objects.filter(incident=incident, name=name).exists():
        raise ConflictError(f"The campaign {name!r} was already started for this incident.",
                            {"name": ["Already sent; give a new campaign name to send again."]})
    default_subject, default_text = template_source(organization=incident.organization, kind=TemplateKind.USER_EMAIL)
    subject, text = (subject or default_subject).strip(), (text or default_text).strip()
    templating.validate(TemplateKind.USER_EMAIL, subject=subject, text=text)
    recipients = AffectedUser.objects.filter(incident=incident).aggregate(count=Count("id"), last=Max("id"))
    if not recipients["count"]:
        raise ApplicationError("Nobody to email: import the affected users first.",
                               {"affected_users": ["None for this incident."]})
    given = {key: value for key, value in (overrides or {}).items() if key in OVERRIDES}
    campaign = EmailCampaign.objects.create(
        organization_id=incident.organization_id, incident=incident, name=name, subject=subject, text=text,
        context=drafting.email_variables(Incident.objects.select_related("organization").get(pk=incident.pk), given),
        total=recipients["count"], last_affected_user_id=recipients["last"], created_by=created_by)
    note(incident, TimelineKind.SYSTEM, f"Affected-user email {name!r} started: {campaign.total} recipient(s).",
         actor=created_by, campaign_id=campaign.pk, total=campaign.total)
    nudge.campaign_on_commit(campaign.pk)
    return campaign


def campaign_progress(campaign: EmailCampaign) -> dict:
    """queued / sent / failed / total (bounced and complained are sent, and counted apart too)."""
    counts = dict(Notification.objects.filter(campaign=campaign).values_list("state").annotate(n=Count("id")))
    sent = sum(counts.get(state, 0) for state in (S.SENT, S.DELIVERED, S.BOUNCED, S.COMPLAINED))
    failed = counts.get(S.FAILED, 0)
    return {"total": campaign.total, "queued": max(campaign.total - sent - failed, 0), "sent": sent,
            "failed": failed, "delivered": counts.get(S.DELIVERED, 0), "bounced": counts.get(S.BOUNCED, 0),
            "complained": counts.get(S.COMPLAINED, 0)}


def _claim(campaign_id: int, now: datetime) -> EmailCampaign | None:
    with transaction.atomic():
        campaign = (EmailCampaign.objects.select_for_update(skip_locked=True, of=("self",))
                    .select_related("incident__organization").filter(pk=campaign_id).first())
        if campaign is None or campaign.state == CampaignState.SENT:
            return None
        if campaign.lease_until is not None and campaign.lease_until > now:
            return None  # another worker is on it
        campaign.state = CampaignState.SENDING
        campaign.started_at = campaign.started_at or now
        campaign.lease_until = now + timedelta(seconds=conf.campaign_lease_seconds())
        campaign.save(update_fields=["state", "started_at", "lease_until"])
        _recover(campaign)
        return campaign


def _recover(campaign: EmailCampaign) -> None:
    """Rows a dead worker left in ``sending``: not yet handed to the ESP → pending again; handed → unknown
    outcome, failed (sending again could email someone twice)."""
    rows = Notification.objects.filter(campaign=campaign, state=S.SENDING)
    rows.filter(sent_at__isnull=True).update(state=S.PENDING, lease_until=None)
    rows.filter(sent_at__isnull=False).update(
        state=S.FAILED, failed_at=timezone.now(), lease_until=None,
        last_error="The worker stopped during the ESP call: outcome unknown, not sent again to avoid a duplicate.")


def _materialize(campaign: EmailCampaign) -> None:
    """One Notification per recipient, written before anything is sent (idempotent: unique keys)."""
    if Notification.objects.filter(campaign=campaign).count() >= campaign.total:
        return
    people = (AffectedUser.objects.filter(incident_id=campaign.incident_id, pk__lte=campaign.last_affected_user_id)
              .order_by("pk").values_list("pk", "email"))
    now = timezone.now()
    last = 0
    while True:
        chunk = list(people.filter(pk__gt=last)[:MATERIALIZE_BATCH])
        if not chunk:
            return
        Notification.objects.bulk_create([Notification(
            organization_id=campaign.organization_id, incident_id=campaign.incident_id, campaign=campaign,
            affected_user_id=pk, address=email, channel=Channel.EMAIL, purpose=Purpose.AFFECTED_USER,
            idempotency_key=f"campaign:{campaign.pk}:a{pk}", due_at=now) for pk, email in chunk],
            ignore_conflicts=True)
        last = chunk[-1][0]


@transaction.atomic
def _claim_batch(campaign: EmailCampaign, size: int, now: datetime) -> list[Notification]:
    ids = list(Notification.objects.select_for_update(skip_locked=True).filter(campaign=campaign, state=S.PENDING)
               .order_by("pk").values_list("pk", flat=True)[:size])
    lease = now + timedelta(seconds=conf.campaign_lease_seconds())
    Notification.objects.filter(pk__in=ids).update(state=S.SENDING, lease_until=lease, attempts=1)
    EmailCampaign.objects.filter(pk=campaign.pk).update(lease_until=lease)
    return list(Notification.objects.filter(pk__in=ids).select_related("affected_user").order_by("pk"))


def _placeholders(fmt: str, rows: list[Notification]) -> tuple[dict, dict]:
    """Template values that are the ESP's merge fields, and each recipient's merge data."""
    columns = sorted({key for row in rows if row.affected_user for key in row.affected_user.extra})
    values = {"name": fmt.format("name"), "email": fmt.format("email"),
              "extra": {key: fmt.format(f"extra_{key}") for key in columns}}
    data = {}
    for row in rows:
        person = row.affected_user
        extra = person.extra if person else {}
        data[row.address] = {"name": (person.name if person else "") or "there", "email": row.address,
                             **{f"extra_{key}": extra.get(key, "") for key in columns}}
    return values, data


def _send_merged(campaign: EmailCampaign, rows: list[Notification], fmt: str) -> dict[str, tuple[str, str, str]]:
    values, data = _placeholders(fmt, rows)
    context = {**campaign.context, **values}
    message = AnymailMessage(subject=templating.render(campaign.subject, context),
                             body=templating.render(campaign.text, context), from_email=settings.DEFAULT_FROM_EMAIL,
                             to=[row.address for row in rows])
    message.merge_data = data
    message.merge_global_data = {}
    message.merge_metadata = {row.address: {"notification_id": str(row.pk), "idempotency_key": row.idempotency_key}
                              for row in rows}
    message.metadata = {"organization_id": str(campaign.organization_id), "campaign_id": str(campaign.pk)}
    message.tags = ["foghorn", Purpose.AFFECTED_USER]
    message.esp_extra = esp.esp_extra()
    message.send()
    outcome = {}
    recipients = message.anymail_status.recipients or {}
    for row in rows:
        status = recipients.get(row.address)
        state = S.FAILED if status is not None and status.status in ("rejected", "invalid", "failed") else S.SENT
        message_id = str(status.message_id) if status is not None and status.message_id else ""
        outcome[row.address] = (state, message_id, "" if state == S.SENT else f"ESP status {status.status}")
    return outcome


def _send_each(campaign: EmailCampaign, rows: list[Notification]) -> dict[str, tuple[str, str, str]]:
    """Backends without batch merge: one rendered message per recipient over one connection."""
    outcome = {}
    with get_connection() as connection:
        for row in rows:
            person = row.affected_user
            context = {**campaign.context, "name": (person.name if person else "") or "there", "email": row.address,
                       "extra": person.extra if person else {}}
            email = EmailMultiAlternatives(subject=templating.render(campaign.subject, context),
                                           body=templating.render(campaign.text, context),
                                           from_email=settings.DEFAULT_FROM_EMAIL, to=[row.address],
                                           connection=connection)
            email.attach_alternative(templating.render(campaign.text, context, html=True).replace("\n", "<br>\n"),
                                     "text/html")
            try:
                email.send()
                outcome[row.address] = (S.SENT, "", "")
            except Exception as exc:  # one refused address must not stop the batch
                outcome[row.address] = (S.FAILED, "", f"{type(exc).__name__}: {exc}"[:500])
    return outcome


def _record(rows: list[Notification], outcome: dict[str, tuple[str, str, str]], now: datetime) -> None:
    groups: dict[tuple[str, str, str], list[int]] = {}
    for row in rows:
        groups.setdefault(outcome.get(row.address, (S.SENT, "", "")), []).append(row.pk)
    with transaction.atomic():
        for (state, message_id, error), ids in groups.items():
            fields = {"state": state, "provider_message_id": message_id, "last_error": error, "lease_until": None}
            fields.update({"failed_at": now} if state == S.FAILED else {})
            Notification.objects.filter(pk__in=ids, state=S.SENDING).update(**fields)


def _send_batch(campaign: EmailCampaign, rows: list[Notification]) -> bool:
    """Hand one batch to the ESP and record it. False when the ESP failed transiently (rows pending again)."""
    ids = [row.pk for row in rows]
    now = timezone.now()
    Notification.objects.filter(pk__in=ids).update(sent_at=now)  # handed: from here the outcome may be unknown
    fmt = esp.merge_format()
    try:
        outcome = _send_merged(campaign, rows, fmt) if fmt else _send_each(campaign, rows)
    except (AnymailAPIError, AnymailError, OSError) as exc:
        code = getattr(exc, "status_code", None)
        permanent = isinstance(exc, AnymailError) and code is not None and 400 <= code < 500 and code not in (408, 429)
        logger.warning("campaign batch failed", extra={"campaign_id": campaign.pk, "permanent": permanent})
        if permanent:
            _record(rows, {row.address: (S.FAILED, "", str(exc)[:500]) for row in rows}, now)
            return True
        Notification.objects.filter(pk__in=ids, state=S.SENDING).update(
            state=S.PENDING, sent_at=None, lease_until=None, last_error=str(exc)[:500])
        return False
    _record(rows, outcome, now)
    return True


def _finish(campaign: EmailCampaign, now: datetime) -> None:
    with transaction.atomic():
        left = Notification.objects.filter(campaign=campaign, state__in=(S.PENDING, S.SENDING)).exists()
        if left:
            return
        EmailCampaign.objects.filter(pk=campaign.pk).update(state=CampaignState.SENT, finished_at=now,
                                                            lease_until=None)
        progress = campaign_progress(campaign)
        note(campaign.incident, TimelineKind.SYSTEM, f"Affected-user email {campaign.name!r} sent: "
             f"{progress['sent']} sent, {progress['failed']} failed.", campaign_id=campaign.pk, **progress)


def campaign_send(*, campaign_id: int) -> str:
    """Send what is left of a campaign, for about ``TASK_BUDGET_SECONDS``. Returns ``noop`` (sent, or
    another worker holds it), ``sent``, ``more`` (a fresh task continues) or ``retry`` (the ESP failed
    transiently: the ticker re-queues it when the lease runs out)."""
    started = time.monotonic()
    campaign = _claim(campaign_id, timezone.now())
    if campaign is None:
        return "noop"
    _materialize(campaign)
    size = esp.batch_size()
    while time.monotonic() - started < TASK_BUDGET_SECONDS:
        rows = _claim_batch(campaign, size, timezone.now())
        if not rows:
            _finish(campaign, timezone.now())
            return "sent"
        if not _send_batch(campaign, rows):
            return "retry"
    EmailCampaign.objects.filter(pk=campaign.pk).update(lease_until=None)
    nudge.campaign_now(campaign.pk)
    return "more"


def campaigns_tick(*, now: datetime | None = None) -> int:
    """Beat: re-queue campaigns whose task was lost or whose worker stopped (lease over). Returns how many."""
    now = now or timezone.now()
    with transaction.atomic():
        stale = list(EmailCampaign.objects.select_for_update(skip_locked=True)
                     .filter(state__in=(CampaignState.QUEUED, CampaignState.SENDING))
                     .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
                     .filter(Q(nudged_at__isnull=True) | Q(nudged_at__lt=now - STALE_NUDGE))
                     .filter(created_at__lt=now - timedelta(seconds=5)).values_list("pk", flat=True)[:50])
        EmailCampaign.objects.filter(pk__in=stale).update(nudged_at=now)
        for campaign_id in stale:
            nudge.campaign_on_commit(campaign_id)
    return len(stale)
