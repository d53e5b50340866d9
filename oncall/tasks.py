"""Thin Celery wrappers: periodic jobs fan out per tenant (``start_<job>`` → ``<job>(organization_id)``)."""

import logging

from oncall.models import Schedule
from oncall.services import notices
from tenancy.models import Organization
from tenancy.tasking import publish, task

logger = logging.getLogger(__name__)


def _organizations_with_schedules() -> list[int]:
    return list(Schedule.objects.values_list("organization_id", flat=True).distinct().order_by("organization_id"))


@task("oncall.tasks.start_handoff_notices")
def start_handoff_notices() -> int:
    """Every few minutes: one ``handoff_notices`` task per organization that has schedules."""
    organization_ids = _organizations_with_schedules()
    for organization_id in organization_ids:
        publish(handoff_notices, organization_id)
    return len(organization_ids)


@task("oncall.tasks.handoff_notices")
def handoff_notices(organization_id: int) -> int:
    """Send the due handoff notices of one organization; a rerun sends nothing new."""
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        return 0
    return notices.handoff_notices_send(organization=organization)


@task("oncall.tasks.start_gap_warnings")
def start_gap_warnings() -> int:
    """Daily: one ``gap_warnings`` task per organization that has schedules."""
    organization_ids = _organizations_with_schedules()
    for organization_id in organization_ids:
        publish(gap_warnings, organization_id)
    return len(organization_ids)


@task("oncall.tasks.gap_warnings")
def gap_warnings(organization_id: int) -> int:
    """Warn one organization's admins about gaps in the next 7 days; once per schedule and day."""
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        return 0
    return notices.gap_warnings_send(organization=organization)
