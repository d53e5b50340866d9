"""The vocabularies of alert ingestion."""

from django.db import models


class IntegrationKind(models.TextChoices):
    PAGERDUTY_V2 = "pagerduty_v2", "PagerDuty Events API v2"
    ALERTMANAGER = "alertmanager", "Prometheus Alertmanager"
    DATADOG = "datadog", "Datadog"
    CLOUDWATCH = "cloudwatch", "Amazon CloudWatch (SNS)"
    WEBHOOK = "webhook", "Generic webhook"
    HEARTBEAT = "heartbeat", "Heartbeat (dead-man's switch)"
    VENDOR = "vendor", "Vendor status page (raised by Foghorn's vendor watch)"


class EventAction(models.TextChoices):
    """What a received event asks for, whatever format it came in."""

    TRIGGER = "trigger", "Trigger"
    ACKNOWLEDGE = "acknowledge", "Acknowledge"
    RESOLVE = "resolve", "Resolve"
    NOTE = "note", "Note"  # e.g. CloudWatch INSUFFICIENT_DATA: recorded, changes nothing


class AlertSeverity(models.TextChoices):
    """The PagerDuty severities every format is mapped onto."""

    CRITICAL = "critical", "Critical"
    ERROR = "error", "Error"
    WARNING = "warning", "Warning"
    INFO = "info", "Info"


# The values as plain tuples, for membership tests on every event (``Choices.values`` builds a
# new list each time; a tuple, unlike a set, also answers for an unhashable JSON value).
EVENT_ACTIONS = tuple(EventAction.values)
ALERT_SEVERITIES = tuple(AlertSeverity.values)


class AlertStatus(models.TextChoices):
    FIRING = "firing", "Firing"
    RESOLVED = "resolved", "Resolved"


# The default severity mapping of a new integration (P0 only by an explicit mapping or a human).
DEFAULT_SEVERITY_MAPPING = {
    AlertSeverity.CRITICAL.value: "P1",
    AlertSeverity.ERROR.value: "P2",
    AlertSeverity.WARNING.value: "P3",
    AlertSeverity.INFO.value: "P3",
}
