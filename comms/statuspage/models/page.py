"""The page, its components and scheduled maintenance. Written only through ``comms.statuspage.services``."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from comms.models.status import new_public_id
from comms.statuspage.enums import ComponentStatus, MaintenanceStatus
from incidents.ingestion.models import MaintenanceWindow
from incidents.models import Service
from tenancy.models import Organization, OrganizationOwned


class StatusPage(OrganizationOwned):
    """One per organization, off until an admin enables it. Its public URL is ``/status/<org slug>/``."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="status_page")
    public_id = models.CharField(max_length=24, unique=True, default=new_public_id, editable=False)
    enabled = models.BooleanField(default=False)
    title = models.CharField(max_length=200, blank=True, help_text="Empty: the organization's name.")
    description = models.TextField(blank=True)
    support_url = models.URLField(max_length=500, blank=True)
    time_zone = models.CharField(max_length=64, default="UTC")
    history_days = models.PositiveSmallIntegerField(default=90)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.title or str(self.organization)


class StatusComponent(OrganizationOwned):
    """What customers see as one part of the product; its status comes from the incidents of its services
    (``comms.statuspage.selectors``) unless ``status_override`` says otherwise."""

    public_id = models.CharField(max_length=24, unique=True, default=new_public_id, editable=False)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)
    group = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="children",
                              help_text="A group shows its children; it has no services of its own.")
    services = models.ManyToManyField(Service, blank=True, related_name="+")
    only_show_if_degraded = models.BooleanField(default=False)
    showcase = models.BooleanField(default=True)
    start_date = models.DateField(null=True, blank=True)
    status_override = models.CharField(max_length=24, choices=ComponentStatus.choices, blank=True)
    override_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organization", "position", "id"]

    def __str__(self) -> str:
        return self.name


class Maintenance(OrganizationOwned):
    """Planned work: announced to subscribers when scheduled, started and completed. With
    ``suppress_alerts`` it holds one ingestion maintenance window per service of its components."""

    public_id = models.CharField(max_length=24, unique=True, default=new_public_id, editable=False)
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    components = models.ManyToManyField(StatusComponent, blank=True, related_name="maintenances")
    scheduled_for = models.DateTimeField()
    scheduled_until = models.DateTimeField()
    status = models.CharField(max_length=16, choices=MaintenanceStatus.choices, default=MaintenanceStatus.SCHEDULED)
    suppress_alerts = models.BooleanField(default=False)
    windows = models.ManyToManyField(MaintenanceWindow, blank=True, related_name="+", editable=False)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organization", "-scheduled_for", "id"]
        constraints = [models.CheckConstraint(condition=models.Q(scheduled_until__gt=models.F("scheduled_for")),
                                              name="maintenance_ends_after_start")]
        indexes = [models.Index(fields=["status", "scheduled_for"], name="statuspage_maintenance_due")]

    def __str__(self) -> str:
        return self.title


class MaintenanceUpdate(OrganizationOwned):
    """One public step of a maintenance (scheduled, started, verifying, completed): its ``incident_updates``."""

    maintenance = models.ForeignKey(Maintenance, on_delete=models.CASCADE, related_name="updates")
    public_id = models.CharField(max_length=24, unique=True, default=new_public_id, editable=False)
    status = models.CharField(max_length=16, choices=MaintenanceStatus.choices)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["maintenance_id", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.maintenance}: {self.status}"
