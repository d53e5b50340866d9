"""Status updates: what the commander tells people, internally and in public (plan 5.3, 6.3, 11)."""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from comms.enums import Audience, UpdateStatus
from incidents.models import Incident
from tenancy.models import OrganizationOwned


def new_public_id() -> str:
    """A stable opaque id for public surfaces (the status page, its Statuspage-compatible API)."""
    return secrets.token_hex(6)


class StatusUpdate(OrganizationOwned):
    """One posted update. Written only through ``comms.services``; its ``body`` is what was sent,
    given in the request or rendered from the audience's template at posting time."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="status_updates")
    public_id = models.CharField(max_length=24, unique=True, default=new_public_id, editable=False)
    audience = models.CharField(max_length=16, choices=Audience.choices)
    status = models.CharField(max_length=16, choices=UpdateStatus.choices)
    title = models.CharField(max_length=300)
    impact = models.TextField(blank=True)
    root_cause = models.TextField(blank=True, help_text='Empty means "Unknown".')
    eta = models.CharField(max_length=200, blank=True, help_text="Free text, e.g. 'within the hour'.")
    eta_at = models.DateTimeField(null=True, blank=True)
    next_update_at = models.DateTimeField(null=True, blank=True)
    commander = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+")
    body = models.TextField()
    posted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+")
    posted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["incident_id", "posted_at", "id"]
        indexes = [
            models.Index(fields=["organization", "audience", "-posted_at"], name="statusupdate_org_audience"),
            models.Index(fields=["incident", "audience", "-posted_at"], name="statusupdate_incident"),
        ]

    def __str__(self) -> str:
        return f"{self.get_audience_display()} update on #{self.incident.number}: {self.get_status_display()}"
