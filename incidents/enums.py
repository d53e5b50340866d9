"""The vocabularies of the incidents app (statuses, timeline kinds, roles, checklists)."""

from django.db import models


class IncidentStatus(models.TextChoices):
    """Where an incident is in its life. The plan's public words are these statuses."""

    TRIGGERED = "triggered", "Triggered"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    INVESTIGATING = "investigating", "Investigating"
    FIXING = "fixing", "Fixing"
    MONITORING = "monitoring", "Monitoring"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"


OPEN_STATUSES: tuple[str, ...] = (
    IncidentStatus.TRIGGERED,
    IncidentStatus.ACKNOWLEDGED,
    IncidentStatus.INVESTIGATING,
    IncidentStatus.FIXING,
    IncidentStatus.MONITORING,
)
CLOSED_STATUSES: tuple[str, ...] = (IncidentStatus.RESOLVED, IncidentStatus.CLOSED)
# Also reachable as IncidentStatus.OPEN_STATUSES / IncidentStatus.CLOSED_STATUSES.
IncidentStatus.OPEN_STATUSES = OPEN_STATUSES
IncidentStatus.CLOSED_STATUSES = CLOSED_STATUSES


class TimelineKind(models.TextChoices):
    """What a timeline event says happened. Other apps add events of their kinds here too."""

    INCIDENT_CREATED = "incident_created", "Incident created"
    ALERT_RECEIVED = "alert_received", "Alert received"
    ALERT_RESOLVED = "alert_resolved", "Alert resolved"
    ALERTS_CLEARED = "alerts_cleared", "All alerts cleared"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    STATUS_CHANGED = "status_changed", "Status changed"
    SEVERITY_CHANGED = "severity_changed", "Severity changed"
    COMMANDER_ASSIGNED = "commander_assigned", "Commander assigned"
    PARTICIPANT_ADDED = "participant_added", "Participant added"
    DETAILS_CHANGED = "details_changed", "Details changed"
    NOTE = "note", "Note"
    ACTION_TAKEN = "action_taken", "Action taken"
    CHECKLIST_UPDATED = "checklist_updated", "Checklist updated"
    RESOLVED = "resolved", "Resolved"
    REOPENED = "reopened", "Reopened"
    CLOSED = "closed", "Closed"
    STATUS_UPDATE_POSTED = "status_update_posted", "Status update posted"
    PAGED = "paged", "Paged"
    ESCALATED = "escalated", "Escalated"
    NOTIFICATION_SENT = "notification_sent", "Notification sent"
    NOTIFICATION_FAILED = "notification_failed", "Notification failed"
    PAGING_DEFERRED = "paging_deferred", "Paging deferred"
    ESCALATION_EXHAUSTED = "escalation_exhausted", "Escalation exhausted"
    MAINTENANCE_SUPPRESSED = "maintenance_suppressed", "Suppressed by maintenance"
    POSTMORTEM_CREATED = "postmortem_created", "Post-mortem created"
    POSTMORTEM_PUBLISHED = "postmortem_published", "Post-mortem published"
    POSTMORTEM_WAIVED = "postmortem_waived", "Post-mortem waived"
    SYSTEM = "system", "System"
    UPDATE_OVERDUE = "update_overdue", "Status update overdue"


class ParticipantRole(models.TextChoices):
    """The war-room roster of the plan's section 9."""

    COMMANDER = "commander", "Incident Commander"
    DECISION_MAKER = "decision_maker", "CTO / decision maker"
    ENGINEER = "engineer", "Engineer"
    CEO = "ceo", "CEO"
    SUPPORT_LEAD = "support_lead", "Support lead"
    SCRIBE = "scribe", "Scribe"


class ChecklistKind(models.TextChoices):
    TRIAGE = "triage", "Triage (4.2)"
    VERIFICATION = "verification", "Verification (6.2)"


class ActionKind(models.TextChoices):
    """Containment and resolution actions of the plan's 5.2 and 6.1."""

    ROLLBACK = "rollback", "Rollback"
    FEATURE_FLAG = "feature_flag", "Feature flag (isolate)"
    SCALE = "scale", "Scale"
    RESTART = "restart", "Restart service"
    FAILOVER = "failover", "Database failover"
    DEPLOY_FIX = "deploy_fix", "Deploy fix"
    VENDOR_ESCALATION = "vendor_escalation", "Vendor escalation"
    OTHER = "other", "Other"


class PagingChannel(models.TextChoices):
    VOICE = "voice", "Voice call"
    SMS = "sms", "SMS"
    PUSH = "push", "Push notification"
    CHAT = "chat", "Chat"
    EMAIL = "email", "Email"
