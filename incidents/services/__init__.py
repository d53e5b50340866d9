"""Every write of the incidents app. One function a use case, keyword-only; each runs in a
transaction, locks the incident row (``select_for_update``) and writes exactly one
``TimelineEvent`` for the change it makes (none when it changes nothing). The event reaches
the apps that react through ``incidents.events`` after commit."""

from incidents.services.cadence import incident_next_update_set
from incidents.services.common import incident_lock, person, timeline_event_record
from incidents.services.lifecycle import (
    incident_acknowledge,
    incident_assign_commander,
    incident_change_severity,
    incident_create,
    incident_resolve,
    incident_transition,
    incident_update,
    incident_update_details,
    verification_missing,
)
from incidents.services.work import (
    catalog_object_delete,
    incident_action_record,
    incident_checklist_update,
    incident_monitoring_tick,
    incident_note_add,
    participant_add,
)

__all__ = [
    "catalog_object_delete",
    "incident_acknowledge",
    "incident_action_record",
    "incident_assign_commander",
    "incident_change_severity",
    "incident_checklist_update",
    "incident_create",
    "incident_lock",
    "incident_monitoring_tick",
    "incident_next_update_set",
    "incident_note_add",
    "incident_resolve",
    "incident_transition",
    "incident_update",
    "incident_update_details",
    "participant_add",
    "person",
    "timeline_event_record",
    "verification_missing",
]
