"""Every write of the incidents app. One function a use case, keyword-only; each runs in a
transaction, locks the incident row (``select_for_update``) and writes exactly one
``TimelineEvent`` for the change it makes (none when it changes nothing). The event reaches
the apps that react through ``incidents.events`` after commit. ``catalog`` holds the
organization's configuration (severities, services, categories, runbooks)."""

from incidents.guards import register_close_guard
from incidents.services.alerts import incident_alert_add, incident_alert_join, incident_open_for_alert
from incidents.services.cadence import incident_next_update_set
from incidents.services.catalog import (
    catalog_object_delete,
    root_cause_category_create,
    root_cause_category_delete,
    root_cause_category_update,
    runbook_create,
    runbook_delete,
    runbook_update,
    service_create,
    service_delete,
    service_update,
    severity_create,
    severity_delete,
    severity_update,
)
from incidents.services.changes import change_event_record
from incidents.services.common import history_at, incident_lock, person, timeline_event_record
from incidents.services.history import incident_import
from incidents.services.lifecycle import (
    incident_acknowledge,
    incident_assign_commander,
    incident_change_severity,
    incident_create,
    incident_drill_paging_enable,
    incident_resolve,
    incident_transition,
    incident_update,
    incident_update_details,
    verification_missing,
)
from incidents.services.work import (
    incident_action_record,
    incident_checklist_update,
    incident_monitoring_tick,
    incident_note_add,
    participant_add,
)

__all__ = [
    "catalog_object_delete",
    "change_event_record",
    "history_at",
    "incident_acknowledge",
    "incident_action_record",
    "incident_alert_add",
    "incident_alert_join",
    "incident_assign_commander",
    "incident_change_severity",
    "incident_checklist_update",
    "incident_create",
    "incident_drill_paging_enable",
    "incident_import",
    "incident_lock",
    "incident_monitoring_tick",
    "incident_next_update_set",
    "incident_note_add",
    "incident_open_for_alert",
    "incident_resolve",
    "incident_transition",
    "incident_update",
    "incident_update_details",
    "participant_add",
    "person",
    "register_close_guard",
    "root_cause_category_create",
    "root_cause_category_delete",
    "root_cause_category_update",
    "runbook_create",
    "runbook_delete",
    "runbook_update",
    "service_create",
    "service_delete",
    "service_update",
    "severity_create",
    "severity_delete",
    "severity_update",
    "timeline_event_record",
    "verification_missing",
]
