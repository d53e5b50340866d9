"""The incidents app's models, one concern a module, re-exported here."""

from incidents.models.catalog import RootCauseCategory, Runbook, Service, Severity
from incidents.models.change import ChangeEvent
from incidents.models.incident import ChecklistItem, Incident, IncidentSequence, Participant
from incidents.models.timeline import TimelineEvent, TimelineEventDelivery

__all__ = [
    "ChangeEvent",
    "ChecklistItem",
    "Incident",
    "IncidentSequence",
    "Participant",
    "RootCauseCategory",
    "Runbook",
    "Service",
    "Severity",
    "TimelineEvent",
    "TimelineEventDelivery",
]
