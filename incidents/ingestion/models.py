"""Integrations (where alerts come from), alerts (what came), the dedup slot per alert key,
maintenance windows, heartbeat state and the SNS message ledger."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from incidents.ingestion.enums import DEFAULT_SEVERITY_MAPPING, AlertSeverity, AlertStatus, IntegrationKind
from incidents.models import Incident, Service
from tenancy.models import Organization, OrganizationOwned


def default_severity_mapping() -> dict:
    return dict(DEFAULT_SEVERITY_MAPPING)


class Integration(OrganizationOwned):
    """A monitor that sends alerts to a service, authenticated by its routing key alone.
    The key is shown once (on create and rotate) and stored as its SHA-256."""

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=IntegrationKind.choices)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="integrations")
    routing_key_hash = models.CharField(max_length=64, unique=True, editable=False)
    routing_key_prefix = models.CharField(max_length=8, editable=False, help_text="The key's first characters.")
    enabled = models.BooleanField(default=True)
    severity_mapping = models.JSONField(default=default_severity_mapping, blank=True,
                                        help_text='Alert severity → severity name, e.g. {"critical": "P1"}.')
    rate_limit_per_minute = models.PositiveIntegerField(default=120)
    rate_limit_burst = models.PositiveIntegerField(default=60)
    storm_threshold_per_minute = models.PositiveIntegerField(
        default=20, help_text="New incidents a minute before further new alert keys are grouped into one "
                              "alert-storm incident (0: never group).")
    auto_resolve = models.BooleanField(
        default=False, help_text="Resolve the incident after 30 minutes in monitoring with no new alert.")
    basic_auth_username = models.CharField(max_length=150, blank=True,
                                           help_text="Alertmanager http_config.basic_auth (optional).")
    basic_auth_password_hash = models.CharField(max_length=64, blank=True, editable=False)
    heartbeat_interval_minutes = models.PositiveIntegerField(default=5, help_text="Heartbeats: expected every …")
    heartbeat_timeout_minutes = models.PositiveIntegerField(default=5, help_text="Heartbeats: late after this grace.")
    sns_topic_arn = models.CharField(max_length=300, blank=True, editable=False,
                                     help_text="CloudWatch: the SNS topic whose subscription was confirmed.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    key_rotated_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["organization", "name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    def severity_name_for(self, severity: str) -> str:
        mapping = self.severity_mapping if isinstance(self.severity_mapping, dict) else {}
        return mapping.get(severity) or DEFAULT_SEVERITY_MAPPING.get(severity) or "P1"


class AlertKey(OrganizationOwned):
    """The dedup slot of (service, dedup key): locked (``select_for_update``) by every event of
    that key, it names the incident the key currently feeds. Its unique constraint is what makes
    concurrent triggers with one key open exactly one incident."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")
    dedup_key = models.CharField(max_length=255)
    incident = models.ForeignKey(Incident, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["service", "dedup_key"], name="alert_key_unique")]

    def __str__(self) -> str:
        return self.dedup_key


class MaintenanceWindow(OrganizationOwned):
    """While a window is on, alerts of its service are stored but open no incident and page nobody."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="maintenance_windows")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    end_recorded_at = models.DateTimeField(null=True, blank=True, editable=False,
                                           help_text="When the window's end was written on the timelines.")

    class Meta:
        ordering = ["organization", "-starts_at", "id"]
        constraints = [models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")),
                                              name="maintenance_window_ends_after_start")]
        indexes = [models.Index(fields=["service", "ends_at"], name="maintenance_service_end")]

    def __str__(self) -> str:
        return f"{self.service} {self.starts_at:%Y-%m-%d %H:%M} to {self.ends_at:%H:%M}"

    def is_active(self, at=None) -> bool:
        at = at or timezone.now()
        return self.starts_at <= at < self.ends_at


class Alert(OrganizationOwned):
    """One received trigger, grouped into an incident by its dedup key. Resolve events resolve it.

    The busiest table, written on every event, so it carries no index it does not need:
    organization, service and incident have no index of their own (``db_index=False``), each
    leads one of the composite indexes below, and ``suppressed_by``'s only covers the suppressed
    alerts. Their foreign keys are database constraints like any other (bench/README.md has
    the join path's rate with them)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+", db_index=False)
    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="alerts")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+", db_index=False)
    incident = models.ForeignKey(Incident, on_delete=models.SET_NULL, null=True, blank=True, related_name="alerts",
                                 db_index=False)
    dedup_key = models.CharField(max_length=255)
    status = models.CharField(max_length=16, choices=AlertStatus.choices, default=AlertStatus.FIRING)
    severity = models.CharField(max_length=16, choices=AlertSeverity.choices, default=AlertSeverity.CRITICAL)
    summary = models.CharField(max_length=1024)
    source = models.CharField(max_length=1024, blank=True)
    details = models.JSONField(default=dict, blank=True)
    links = models.JSONField(default=list, blank=True)
    occurred_at = models.DateTimeField(null=True, blank=True, help_text="When the sender says it started.")
    received_at = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    suppressed_by = models.ForeignKey(MaintenanceWindow, on_delete=models.SET_NULL, null=True, blank=True,
                                      related_name="alerts", db_index=False)

    class Meta:
        ordering = ["organization", "-received_at", "-id"]
        indexes = [
            models.Index(fields=["service", "dedup_key", "status"], name="alert_key_status"),
            models.Index(fields=["incident", "status"], name="alert_incident_status"),
            models.Index(fields=["organization", "-received_at"], name="alert_org_received"),
            models.Index(fields=["suppressed_by"], condition=models.Q(suppressed_by__isnull=False),
                         name="alert_suppressed_by"),
        ]

    def __str__(self) -> str:
        return f"{self.dedup_key}: {self.summary[:60]}"


class Heartbeat(OrganizationOwned):
    """The state of a heartbeat integration: when the last beat came and when the next is due."""

    integration = models.OneToOneField(Integration, on_delete=models.CASCADE, related_name="heartbeat")
    last_beat_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(help_text="Late (an incident) when no beat by then.")
    late_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["late_since", "due_at"], name="heartbeat_due")]

    def __str__(self) -> str:
        return f"heartbeat of {self.integration_id}"


class SnsMessage(OrganizationOwned):
    """SNS MessageIds already processed: SNS retries deliver the same message again."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="+")
    message_id = models.CharField(max_length=100)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["integration", "message_id"], name="sns_message_unique")]

    def __str__(self) -> str:
        return self.message_id


class AlertStorm(OrganizationOwned):
    """The integration's alert-storm incident: beyond ``storm_threshold_per_minute`` new incidents
    a minute, new keys join it instead of opening (and paging) one each (``services.storms``)."""

    integration = models.OneToOneField(Integration, on_delete=models.CASCADE, related_name="storm")
    incident = models.ForeignKey(Incident, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                 help_text="The alert-storm incident new keys join while over the threshold.")

    def __str__(self) -> str:
        return f"alert storm of {self.integration_id}"
