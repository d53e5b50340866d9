"""Handoff notices and gap warnings: the on-call emails, computed from the same final
schedule (overrides included) that the API, iCal feeds and paging read.

Every email has an ``OncallNotice`` row (unique per schedule, person, instant and kind)
written before it is sent, in the transaction that sends it: a rerun, a duplicate task or
two workers at once never send the same notice twice; a failed send rolls the row back so
the next run tries again.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from oncall import scheduling, selectors
from oncall.enums import NoticeKind
from oncall.models import HANDOFF_LEAD_DEFAULT, HANDOFF_LEAD_MAX, OncallNotice, OncallPreference, Schedule
from tenancy import selectors as tenancy_selectors
from tenancy.enums import Role
from tenancy.models import Organization, User

logger = logging.getLogger(__name__)

# How late an "your shift has ended" notice may still go out after the handoff.
OUTGOING_GRACE = timedelta(hours=1)
GAP_HORIZON = timedelta(days=7)


def _local(value: datetime, user: User) -> str:
    zone = scheduling.ZoneInfo(user.time_zone or "UTC")
    return value.astimezone(zone).strftime("%a %d %b %Y %H:%M %Z")


def _send_once(*, schedule: Schedule, user: User, at: datetime, kind: str, subject: str, body: str) -> bool:
    """Claim the (schedule, user, at, kind) row, send, mark sent. False when it was sent already."""
    with transaction.atomic():
        notice, _created = OncallNotice.objects.get_or_create(
            schedule=schedule, user=user, at=at, kind=kind, defaults={"organization_id": schedule.organization_id})
        claimed = (OncallNotice.objects.select_for_update(skip_locked=True)
                   .filter(pk=notice.pk, sent_at__isnull=True).first())
        if claimed is None:
            return False
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
        claimed.sent_at = timezone.now()
        claimed.save(update_fields=["sent_at"])
    logger.info("oncall notice sent", extra={"notice_id": claimed.pk, "kind": kind, "user_id": user.pk})
    return True


def _coalesce(pieces: list) -> list[tuple[int, datetime, datetime]]:
    """A person's back-to-back pieces (e.g. a layer shift then an override) are one stretch on call."""
    stretches: list = []
    for piece in pieces:
        if stretches and stretches[-1][0] == piece.user_id and stretches[-1][2] == piece.start:
            stretches[-1] = (piece.user_id, stretches[-1][1], piece.end)
        else:
            stretches.append((piece.user_id, piece.start, piece.end))
    return stretches


def _lead_times(organization: Organization) -> dict[int, timedelta | None]:
    """user id → lead time, None for people who turned notices off."""
    return {
        pref.user_id: pref.handoff_lead_time if pref.handoff_notices else None
        for pref in OncallPreference.objects.filter(organization=organization)
    }


def _schedule_handoffs(schedule: Schedule, now: datetime, leads: dict, users: dict) -> int:
    since, until = now - OUTGOING_GRACE, now + HANDOFF_LEAD_MAX + timedelta(minutes=1)
    stretches = _coalesce(scheduling.final_pieces(selectors.schedule_spec(schedule), since, until))
    sent = 0
    for user_id, start, end in stretches:
        user = users.get(user_id)
        if user is None or not user.is_active:
            continue
        lead = leads.get(user_id, HANDOFF_LEAD_DEFAULT)
        if lead is None:
            continue
        if since < start and start - lead <= now < start:
            sent += _send_once(
                schedule=schedule, user=user, at=start, kind=NoticeKind.SHIFT_STARTING,
                subject=f"You are on call for {schedule.name} from {_local(start, user)}",
                body=(f"Your on-call shift for {schedule.name} starts {_local(start, user)} "
                      f"and ends {_local(end, user)}.\n"),
            )
        if end < until and end <= now < end + OUTGOING_GRACE:
            sent += _send_once(
                schedule=schedule, user=user, at=end, kind=NoticeKind.SHIFT_ENDED,
                subject=f"Your on-call shift for {schedule.name} has ended",
                body=f"Your on-call shift for {schedule.name} ended {_local(end, user)}. Thank you.\n",
            )
    return sent


def handoff_notices_send(*, organization: Organization, now: datetime | None = None) -> int:
    """Tell incoming people before their shift (their lead time) and outgoing people at the handoff.

    Idempotent: returns how many emails this run sent (0 on a rerun)."""
    now = now or timezone.now()
    schedules = list(selectors.schedule_queryset(since=now - OUTGOING_GRACE, until=now + HANDOFF_LEAD_MAX + timedelta(
        minutes=1)).filter(organization=organization))
    if not schedules:
        return 0
    participant_ids = {pk for s in schedules for layer in s.layers.all() for v in layer.versions.all()
                       for pk in v.participants}
    participant_ids |= {o.user_id for s in schedules for o in s.overrides.all()}
    users = selectors.users_by_id(participant_ids)
    leads = _lead_times(organization)
    return sum(_schedule_handoffs(schedule, now, leads, users) for schedule in schedules)


def gap_warnings_send(*, organization: Organization, now: datetime | None = None) -> int:
    """Email the org's admins about gaps in the next 7 days of schedules that escalation policies page.

    One email per (schedule, admin, day): idempotent within the day."""
    now = now or timezone.now()
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    used = selectors.schedules_used_by_policies(organization=organization).values_list("pk", flat=True)
    schedules = selectors.schedule_queryset(since=now, until=now + GAP_HORIZON).filter(pk__in=list(used))
    admins = list(tenancy_selectors.members_with_role(organization=organization, roles=list(Role.admin_roles())))
    sent = 0
    for schedule in schedules:
        found = scheduling.gaps(selectors.schedule_spec(schedule), now, now + GAP_HORIZON)
        if not found:
            continue
        for admin in admins:
            lines = "\n".join(f"- {_local(start, admin)} to {_local(end, admin)}" for start, end in found)
            sent += _send_once(
                schedule=schedule, user=admin, at=day, kind=NoticeKind.GAP_WARNING,
                subject=f"Gaps in the on-call schedule {schedule.name} in the next 7 days",
                body=(f"Nobody is on call for {schedule.name}, which an escalation policy pages, during:\n"
                      f"{lines}\n\nAdd an override or change a layer so every incident reaches someone.\n"),
            )
    return sent
