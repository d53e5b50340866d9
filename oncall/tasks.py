"""Thin Celery wrappers: periodic jobs fan out per tenant (``start_<job>`` → ``<job>(organization_id)``)."""

import logging

from celery import shared_task

from oncall.models import Schedule
from oncall.services import notices
from tenancy.models import Organization

logger = logging.getLogger(__name__)


def _organizations_with_schedules() -> list[int]:
    return list(Schedule.objects.values_list("organization_id", flat=True).distinct().order_by("organization_id"))


@shared_task(acks_late=True)
def start_handoff_notices() -> int:
    """Every few minutes: one ``handoff_notices`` task per organization that has schedules."""
    organization_ids = _organizations_with_schedules()
    for organization_id in organization_ids:
        handoff_notices.delay(organization_id)
    return len(organization_ids)


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True)
def handoff_notices(organization_id: int) -> int:
    """Send the due handoff notices of one organization; a rerun sends nothing new."""
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        return 0
    return notices.handoff_notices_send(organization=organization)


@shared_task(acks_late=True)
def start_gap_warnings() -> int:
    """Daily: one ``gap_warnings`` task per organization that has schedules."""
    organization_ids = _organizations_with_schedules()
    for organization_id in organization_ids:
        gap_warnings.delay(organization_id)
    return len(organization_ids)


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True)
def gap_warnings(organization_id: int) -> int:
    """Warn one organization's admins about gaps in the next 7 days; once per schedule and day."""
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        return 0
    return notices.gap_warnings_send(organization=organization)
