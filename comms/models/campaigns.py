"""Affected users of an incident and the post-incident email campaigns sent to them (plan section 11)."""

from django.conf import settings
from django.db import models

from comms.enums import CampaignState
from incidents.models import Incident
from tenancy.models import OrganizationOwned


class AffectedUser(OrganizationOwned):
    """Someone an incident affected, to be emailed after resolution. One row per (incident, email):
    imports merge duplicates by ``email_key`` (the address lower-cased)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="affected_users")
    email = models.EmailField(max_length=320)
    email_key = models.CharField(max_length=320, editable=False)
    name = models.CharField(max_length=200, blank=True)
    extra = models.JSONField(default=dict, blank=True, help_text="Other CSV columns, for the template (extra.<col>).")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["incident_id", "id"]
        constraints = [models.UniqueConstraint(fields=["incident", "email_key"], name="affecteduser_unique_email")]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email


class EmailCampaign(OrganizationOwned):
    """One post-incident email to an incident's affected users. Its recipients are the affected users up to
    ``last_affected_user_id`` when it started; each gets one ``Notification`` (purpose affected user), written
    by the sending task before anything is sent, so a retried or duplicated task emails nobody twice."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="email_campaigns")
    name = models.CharField(max_length=100, default="default")
    subject = models.CharField(max_length=300, help_text="Template source (sandboxed).")
    text = models.TextField(help_text="Template source (sandboxed).")
    context = models.JSONField(default=dict, blank=True, help_text="Values shared by every recipient.")
    state = models.CharField(max_length=16, choices=CampaignState.choices, default=CampaignState.QUEUED)
    total = models.PositiveIntegerField(default=0)
    last_affected_user_id = models.BigIntegerField(default=0)
    lease_until = models.DateTimeField(null=True, blank=True, help_text="A worker is sending until then.")
    nudged_at = models.DateTimeField(null=True, blank=True, help_text="When the ticker last re-queued it.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["incident_id", "created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["incident", "name"], name="emailcampaign_unique_name")]
        indexes = [models.Index(fields=["state", "lease_until"], name="comms_campaign_state")]

    def __str__(self) -> str:
        return f"Campaign {self.name!r} of #{self.incident.number} ({self.state})"
