"""Status updates: what the commander tells people, internally and in public (plan 5.3, 6.3, 11)."""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from comms.enums import Audience, ReminderStage, UpdateStatus
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


class UpdateReminder(OrganizationOwned):
    """One due time of an incident's update cadence: the row is the schedule of its two reminders
    ("update due" at ``due_at``, "overdue" after the grace period). The beat ticker claims rows whose
    ``check_at`` has come (``select_for_update(skip_locked=True)``) and moves ``stage`` forward, so each
    due time gets each reminder once, whatever the tick rate. Posting an update supersedes the pending one."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="update_reminders")
    due_at = models.DateTimeField()
    check_at = models.DateTimeField(help_text="When the ticker looks at this row next.")
    stage = models.CharField(max_length=16, choices=ReminderStage.choices, default=ReminderStage.PENDING)
    include_drill = models.BooleanField(default=False, help_text="Remind even though the incident is a drill.")
    status_update = models.ForeignKey(StatusUpdate, on_delete=models.SET_NULL, null=True, blank=True,
                                      related_name="+", help_text="The update that set this due time.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["incident_id", "due_at"]
        constraints = [models.UniqueConstraint(fields=["incident", "due_at"], name="updatereminder_unique_due")]
        indexes = [models.Index(fields=["stage", "check_at"], name="comms_updatereminder_due")]

    def __str__(self) -> str:
        return f"Update of #{self.incident.number} due {self.due_at:%Y-%m-%d %H:%M} ({self.stage})"
