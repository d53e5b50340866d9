"""A blameless post-mortem (plan 7.1): its timeline, five whys, impact and lessons."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from incidents.models import Incident, RootCauseCategory
from postmortems.enums import EntrySource, PostMortemStatus
from tenancy.models import OrganizationOwned


def validate_counts(value) -> None:
    if not isinstance(value, dict) or any(
            not isinstance(key, str) or isinstance(number, bool) or not isinstance(number, int | float)
            for key, number in value.items()):
        raise ValidationError('An object of label → number, e.g. {"Support tickets": 40}.')


class PostMortem(OrganizationOwned):
    """One per incident (the constraint makes opening idempotent). Written only through ``postmortems.services``."""

    incident = models.OneToOneField(Incident, on_delete=models.CASCADE, related_name="postmortem")
    status = models.CharField(max_length=16, choices=PostMortemStatus.choices, default=PostMortemStatus.DRAFT)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+")
    attendees = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+",
                                       help_text="Suggested: commander, participants, the CTO group; CEO for P0.")
    due_at = models.DateTimeField(help_text="48 hours after resolution (plan 7.1).")
    summary = models.TextField(blank=True)
    root_cause = models.TextField(blank=True)
    root_cause_category = models.ForeignKey(RootCauseCategory, on_delete=models.SET_NULL, null=True, blank=True,
                                            related_name="postmortems")
    users_affected = models.PositiveIntegerField(null=True, blank=True)
    revenue_lost = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    revenue_currency = models.CharField(max_length=3, default="USD")
    applications_missed = models.PositiveIntegerField(null=True, blank=True)
    other_impact = models.JSONField(default=dict, blank=True, validators=[validate_counts],
                                    help_text="Free-form counts, label → number.")
    went_well = models.TextField(blank=True)
    went_poorly = models.TextField(blank=True)
    lessons = models.TextField(blank=True)
    meeting_at = models.DateTimeField(null=True, blank=True)
    meeting_minutes = models.PositiveIntegerField(default=60)
    meeting_location = models.CharField(max_length=500, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    waived_at = models.DateTimeField(null=True, blank=True)
    waived_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+")
    waived_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organization", "-created_at"]
        constraints = [models.UniqueConstraint(fields=["incident"], name="postmortem_one_per_incident")]
        indexes = [models.Index(fields=["status", "due_at"], name="postmortem_due")]

    def __str__(self) -> str:
        return f"Post-mortem of #{self.incident.number} {self.incident.title}"


class TimelineEntry(OrganizationOwned):
    """One line of the post-mortem's timeline: imported from the incident, or added by a person."""

    postmortem = models.ForeignKey(PostMortem, on_delete=models.CASCADE, related_name="timeline_entries")
    at = models.DateTimeField()
    text = models.CharField(max_length=1000)
    source = models.CharField(max_length=16, choices=EntrySource.choices, default=EntrySource.ADDED)
    timeline_event_id = models.BigIntegerField(null=True, blank=True, help_text="The incident event it came from.")

    class Meta:
        ordering = ["postmortem", "at", "id"]
        verbose_name_plural = "timeline entries"

    def __str__(self) -> str:
        return f"{self.at:%H:%M} {self.text}"


class Why(OrganizationOwned):
    """One why/because pair of the five-whys chain, in ``position`` order."""

    postmortem = models.ForeignKey(PostMortem, on_delete=models.CASCADE, related_name="whys")
    position = models.PositiveSmallIntegerField()
    why = models.CharField(max_length=1000)
    because = models.CharField(max_length=1000)

    class Meta:
        ordering = ["postmortem", "position"]
        verbose_name_plural = "whys"
        constraints = [models.UniqueConstraint(fields=["postmortem", "position"], name="why_unique_position")]

    def __str__(self) -> str:
        return f"{self.position + 1}. {self.why}"
