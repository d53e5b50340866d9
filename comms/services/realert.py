"""Re-alerting an acknowledged incident that a new alert re-opened (monitoring → fixing).

Ingestion moves such an incident back to ``fixing`` (not ``triggered``: somebody already owns
it), so no escalation run starts; the owner must still hear that the problem is back. The
commander (or, without one, the policy's first responders) is paged once on the channels
they are paged on at once for the severity. The rows hang on a closed run of their own,
one per re-opening event, so the ledger's unique keys make a re-driven event send nothing twice.
"""

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from comms import selectors
from comms.enums import Channel, Purpose, RunState
from comms.models import EscalationRun
from comms.services.paging import _notification, _nudge_due, _snapshot, idempotency_key
from comms.services.timeline import note, person
from incidents.enums import IncidentStatus, TimelineKind
from incidents.models import Incident
from oncall import selectors as oncall_selectors

logger = logging.getLogger(__name__)


def _owners(incident: Incident, now: datetime) -> list:
    if incident.commander_id:
        return [incident.commander]
    policy = oncall_selectors.escalation_policy_for(organization_id=incident.organization_id,
                                                    service=incident.service if incident.service_id else None)
    return oncall_selectors.escalation_policy_first_responders(policy, now) if policy else []


@transaction.atomic
def paging_realert(*, incident: Incident, event_id: int, now: datetime | None = None) -> int:
    """Page the owner of an acknowledged incident a new alert re-opened. Returns rows written (0 on a
    re-drive of the same event, or when the incident has moved on or is a drill)."""
    now = now or timezone.now()
    incident = (Incident.objects.select_for_update(of=("self",))
                .select_related("severity", "service__escalation_policy", "organization", "commander")
                .get(pk=incident.pk))
    if incident.status != IncidentStatus.FIXING or incident.is_drill:
        return 0
    run, created = EscalationRun.objects.get_or_create(
        incident=incident, trigger_event_id=event_id,
        defaults={"organization_id": incident.organization_id, "policy_snapshot": _snapshot(incident),
                  "severity_name": incident.severity.name, "state": RunState.ACKNOWLEDGED, "ended_at": now,
                  "ended_reason": "Re-alert of an acknowledged incident: no escalation."})
    if not created:
        return 0
    run.organization = incident.organization
    written = 0
    for user in _owners(incident, now):
        organization = incident.organization
        chain = selectors.person_chain(organization=organization, user=user, severity=incident.severity)
        channels = [channel for channel, minutes in chain
                    if minutes == 0 and selectors.contact_for(organization=organization, user=user, channel=channel)[1]]
        channels = channels or [Channel.EMAIL]
        for channel in channels:
            method, address = selectors.contact_for(organization=incident.organization, user=user, channel=channel)
            written += _notification(run, key=idempotency_key(run.pk, "realert", event_id, f"u{user.pk}", channel),
                                     channel=channel, due_at=now, purpose=Purpose.REALERT, recipient=user,
                                     contact_method=method,
                                     address=method.value_hint if method else (address or user.email))
        note(incident, TimelineKind.PAGED, f"Re-alerting {user} ({', '.join(channels)}): a new alert re-opened "
             "this acknowledged incident.", person=person(user), channels=channels, realert=True)
    _nudge_due(run, now)
    logger.info("re-alert paged", extra={"incident_id": incident.pk, "run_id": run.pk, "rows": written})
    return written
