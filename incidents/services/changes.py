"""Changes on a service, recorded as they are announced (PagerDuty Change Events)."""

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from incidents.models import ChangeEvent, Service

logger = logging.getLogger(__name__)


@transaction.atomic
def change_event_record(*, service: Service, summary: str, source: str = "", occurred_at: datetime | None = None,
                        custom_details: dict | None = None, links: list | None = None,
                        origin: str = "") -> ChangeEvent:
    """Store a change on ``service`` (in its organization). Informational: no incident, no page,
    no timeline event; incidents of the service show it among their recent changes."""
    now = timezone.now()
    change = ChangeEvent.objects.create(
        organization_id=service.organization_id, service=service, summary=summary[:1024], source=source[:255],
        occurred_at=occurred_at or now, received_at=now, custom_details=custom_details or {}, links=links or [],
        origin=origin[:200])
    logger.info("change event recorded", extra={"change_event_id": change.pk, "service_id": service.pk})
    return change
