"""How the status page reacts to incident timeline events (registered in ``StatusPageConfig.ready``).

A public status update (``status_update_posted`` with audience ``public``, written by
``comms.services.status.status_update_post`` in the same transaction as the update) emails the
confirmed subscribers of the incident's components. At least once: the mail rows' unique keys make a
second run a no-op. Drill incidents and other audiences send nothing."""

from comms.enums import Audience
from comms.models import StatusUpdate
from comms.statuspage import selectors
from comms.statuspage.services import mailing
from incidents.enums import TimelineKind

KINDS = {TimelineKind.STATUS_UPDATE_POSTED}


def on_status_update_posted(event) -> None:
    payload = event.payload or {}
    if payload.get("audience") != Audience.PUBLIC or event.incident.is_drill:
        return
    update = StatusUpdate.objects.filter(pk=payload.get("status_update_id"), organization_id=event.organization_id,
                                         incident_id=event.incident_id, audience=Audience.PUBLIC).first()
    if update is None:
        return
    component_ids = {c.pk for c in selectors.incident_components(event.incident)}
    mailing.status_update_notify(status_update=update, component_ids=component_ids)
