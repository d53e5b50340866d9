"""Tabletop exercises (plan 12: "post-mortem process practised") and who is trained."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from incidents.models import Incident, Runbook, Service
from postmortems.enums import DrillStatus
from tenancy.models import OrganizationOwned


class Drill(OrganizationOwned):
    """A practised incident. Running it opens a real incident flagged ``is_drill`` (excluded from metrics
    and the status page) that goes through the same flow, post-mortem included."""

    title = models.CharField(max_length=200)
    runbook = models.ForeignKey(Runbook, on_delete=models.SET_NULL, null=True, blank=True, related_name="drills",
                                help_text="The scenario, from a runbook…")
    scenario = models.TextField(blank=True, help_text="…or in free text.")
    severity_name = models.CharField(max_length=16, default="P1", help_text="The severity the drill incident gets.")
    service = models.ForeignKey(Service, on_delete=models.SET_NULL, null=True, blank=True, related_name="drills")
    scheduled_at = models.DateTimeField()
    facilitator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    participants = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    page_people = models.BooleanField(default=False, help_text="Page the on-call people for real (labelled DRILL).")
    status = models.CharField(max_length=16, choices=DrillStatus.choices, default=DrillStatus.SCHEDULED)
    incident = models.OneToOneField(Incident, on_delete=models.SET_NULL, null=True, blank=True, related_name="drill")
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    outcome_notes = models.TextField(blank=True)
    findings = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organization", "-scheduled_at"]

    def __str__(self) -> str:
        return self.title


class TrainingRecord(OrganizationOwned):
    """Someone completed a course or took part in a drill; current until ``expires_at`` (empty: no expiry)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    course = models.CharField(max_length=200)
    completed_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)
    evidence_url = models.URLField(max_length=500, blank=True)
    drill = models.ForeignKey(Drill, on_delete=models.SET_NULL, null=True, blank=True, related_name="training_records")

    class Meta:
        ordering = ["organization", "-completed_at"]
        constraints = [models.UniqueConstraint(fields=["drill", "user"], condition=models.Q(drill__isnull=False),
                                               name="training_once_per_drill")]

    def __str__(self) -> str:
        return f"{self.user}: {self.course}"
