"""The one door to status updates (``comms.services.status``, written on another branch).

``/incident update`` and the card's Post update call ``draft`` and ``post`` here. When
``comms.services.status`` exists they are its ``status_update_draft`` / ``status_update_post``;
until then (this branch alone) the fallback below writes the ``StatusUpdate`` row and its
``status_update_posted`` timeline event itself, with the same payload the real service writes.
The lead deletes the fallback (everything under ``except ImportError``) once the services meet."""

from django.db import transaction
from django.utils import timezone

from comms.enums import Audience, UpdateStatus
from comms.models import StatusUpdate
from incidents import services as incident_services
from incidents.enums import TimelineKind
from tenancy.errors import ApplicationError

try:
    from comms.services.status import status_update_draft as draft
    from comms.services.status import status_update_post as post
except ImportError:  # the status-updates branch is not merged yet

    def draft(*, incident, audience) -> dict:
        status = incident.status if incident.status in UpdateStatus.values else UpdateStatus.INVESTIGATING
        return {"audience": audience, "status": status, "title": incident.title,
                "impact": incident.customer_impact, "root_cause": incident.root_cause, "eta": "", "body": ""}

    def _body(incident, status: str, impact: str, root_cause: str, eta: str) -> str:
        return (f"[{incident.severity.name}] {incident.title}\nStatus: {status.upper()}\n"
                f"Impact: {impact or 'Being assessed'}\nRoot cause: {root_cause or 'Unknown'}\n"
                f"ETA: {eta or 'Unknown'}\nIC: {incident.commander or 'unassigned'}")

    @transaction.atomic
    def post(*, incident, audience, posted_by, status, title=None, impact=None, root_cause=None, eta=None,
             eta_at=None, next_update_at=None, body=None, apply_status=False, reason=None) -> StatusUpdate:
        if audience not in Audience.values:
            raise ApplicationError("Unknown audience.", {"audience": [f"Choose one of: {', '.join(Audience.values)}."]})
        if status not in UpdateStatus.values:
            raise ApplicationError("Unknown status.", {"status": [f"Choose one of: {', '.join(UpdateStatus.values)}."]})
        incident = incident_services.incident_lock(incident)
        update = StatusUpdate.objects.create(
            organization_id=incident.organization_id, incident=incident, audience=audience, status=status,
            title=title or incident.title, impact=impact or "", root_cause=root_cause or "", eta=eta or "",
            eta_at=eta_at, next_update_at=next_update_at, commander=incident.commander, posted_by=posted_by,
            body=body or _body(incident, status, impact or "", root_cause or "", eta or ""), posted_at=timezone.now())
        incident_services.timeline_event_record(incident=incident, kind=TimelineKind.STATUS_UPDATE_POSTED,
                                                actor=posted_by, payload={"status_update_id": update.pk,
                                                                          "audience": audience, "status": status})
        return update
