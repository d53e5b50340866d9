"""Changes to a service (deploys, config pushes, feature flags), as PagerDuty Change Events send
them: the first question of triage is "what changed?" (the plan's "recent deployment?")."""

from django.db import models
from django.utils import timezone

from incidents.models.catalog import Service
from tenancy.models import OrganizationOwned


class ChangeEvent(OrganizationOwned):
    """One change on a service. Informational: it opens no incident and pages nobody."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="changes")
    summary = models.CharField(max_length=1024)
    source = models.CharField(max_length=255, blank=True)
    occurred_at = models.DateTimeField(default=timezone.now, help_text="When the sender says the change happened.")
    received_at = models.DateTimeField(default=timezone.now)
    custom_details = models.JSONField(default=dict, blank=True)
    links = models.JSONField(default=list, blank=True)
    origin = models.CharField(max_length=200, blank=True, help_text="What sent it (the integration's name).")

    class Meta:
        ordering = ["organization", "-occurred_at", "-id"]
        indexes = [models.Index(fields=["service", "-occurred_at"], name="change_service_occurred")]

    def __str__(self) -> str:
        return f"{self.service}: {self.summary[:60]}"
