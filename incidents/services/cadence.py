"""When the next status update of an incident is due: the one field of the update cadence that
``incidents`` owns, so its API can show ``next_update_at`` / ``update_overdue`` without importing comms."""

from datetime import datetime

from django.db import transaction

from incidents.models import Incident


@transaction.atomic
def incident_next_update_set(*, incident: Incident, next_update_at: datetime | None) -> Incident:
    """Record when the next status update is due (None: no cadence applies). comms calls it inside the
    transaction that posts an update, whose ``status_update_posted`` event is the record of the change,
    so this writes no timeline event of its own. Locks the incident row."""
    Incident.objects.select_for_update(of=("self",)).filter(pk=incident.pk).update(next_update_at=next_update_at)
    incident.next_update_at = next_update_at
    return incident
