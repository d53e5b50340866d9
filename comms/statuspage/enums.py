"""The status page's vocabularies: Atlassian Statuspage's exact values, so existing tooling reads them."""

from django.db import models


class ComponentStatus(models.TextChoices):
    OPERATIONAL = "operational", "Operational"
    DEGRADED_PERFORMANCE = "degraded_performance", "Degraded performance"
    PARTIAL_OUTAGE = "partial_outage", "Partial outage"
    MAJOR_OUTAGE = "major_outage", "Major outage"
    UNDER_MAINTENANCE = "under_maintenance", "Under maintenance"


# Worse is later; maintenance ranks below any outage (an outage during maintenance is still an outage).
COMPONENT_STATUS_RANK = {
    ComponentStatus.OPERATIONAL: 0,
    ComponentStatus.UNDER_MAINTENANCE: 1,
    ComponentStatus.DEGRADED_PERFORMANCE: 2,
    ComponentStatus.PARTIAL_OUTAGE: 3,
    ComponentStatus.MAJOR_OUTAGE: 4,
}


class Indicator(models.TextChoices):
    """``status.indicator`` of the page, with Statuspage's descriptions as labels."""

    NONE = "none", "All Systems Operational"
    MINOR = "minor", "Minor Service Outage"
    MAJOR = "major", "Partial System Outage"
    CRITICAL = "critical", "Major System Outage"


INDICATOR_RANK = {Indicator.NONE: 0, Indicator.MINOR: 1, Indicator.MAJOR: 2, Indicator.CRITICAL: 3}


class Impact(models.TextChoices):
    NONE = "none", "None"
    MINOR = "minor", "Minor"
    MAJOR = "major", "Major"
    CRITICAL = "critical", "Critical"
    MAINTENANCE = "maintenance", "Maintenance"


class PublicIncidentStatus(models.TextChoices):
    INVESTIGATING = "investigating", "Investigating"
    IDENTIFIED = "identified", "Identified"
    MONITORING = "monitoring", "Monitoring"
    RESOLVED = "resolved", "Resolved"
    POSTMORTEM = "postmortem", "Postmortem"


class MaintenanceStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    IN_PROGRESS = "in_progress", "In progress"
    VERIFYING = "verifying", "Verifying"
    COMPLETED = "completed", "Completed"


ACTIVE_MAINTENANCE = (MaintenanceStatus.IN_PROGRESS, MaintenanceStatus.VERIFYING)
# Allowed moves of a maintenance (forward only; "completed" from anywhere ends it early).
MAINTENANCE_MOVES = {
    MaintenanceStatus.SCHEDULED: {MaintenanceStatus.IN_PROGRESS, MaintenanceStatus.COMPLETED},
    MaintenanceStatus.IN_PROGRESS: {MaintenanceStatus.VERIFYING, MaintenanceStatus.COMPLETED},
    MaintenanceStatus.VERIFYING: {MaintenanceStatus.IN_PROGRESS, MaintenanceStatus.COMPLETED},
    MaintenanceStatus.COMPLETED: set(),
}

# The Statuspage-compatible JSON endpoints under /status/<org_slug>/api/v2/ (each ``<name>.json``).
ENDPOINTS = ("summary", "status", "components", "incidents", "incidents/unresolved", "scheduled-maintenances",
             "scheduled-maintenances/upcoming", "scheduled-maintenances/active")
