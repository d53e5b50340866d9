"""What an organization configures: severities, services, root-cause categories, runbooks."""

from django.core.exceptions import ValidationError
from django.db import models

from incidents.enums import PagingChannel
from tenancy.models import OrganizationOwned


def validate_paging_channels(value) -> None:
    if not isinstance(value, list) or any(item not in PagingChannel.values for item in value):
        raise ValidationError(f"A list of channels among: {', '.join(PagingChannel.values)}.")


def validate_string_list(value) -> None:
    if not isinstance(value, list) or any(not isinstance(item, str) for item in value):
        raise ValidationError("A list of strings.")


class Severity(OrganizationOwned):
    """A severity level (P0 to P3 seeded from the plan's table); rank 0 is the most severe."""

    name = models.CharField(max_length=16, help_text='Short name people say, e.g. "P1".')
    label = models.CharField(max_length=64, blank=True, help_text='e.g. "High".')
    rank = models.PositiveSmallIntegerField(default=0, help_text="0 is the most severe.")
    description = models.TextField(blank=True)
    ack_sla = models.DurationField(help_text="Acknowledge within this long.")
    update_interval = models.DurationField(null=True, blank=True,
                                           help_text="Status updates this often; empty for no cadence.")
    war_room = models.BooleanField(default=False, help_text="Open a war room (call) for incidents of this level.")
    paging_channels = models.JSONField(default=list, blank=True, validators=[validate_paging_channels])

    class Meta:
        ordering = ["organization", "rank", "name"]
        verbose_name_plural = "severities"
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="severity_unique_name")]

    def __str__(self) -> str:
        return f"{self.name} ({self.label})" if self.label else self.name


class Service(OrganizationOwned):
    """Something that breaks (API, workers, database…); its escalation policy says who is paged."""

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    escalation_policy = models.ForeignKey("oncall.EscalationPolicy", on_delete=models.PROTECT, null=True, blank=True,
                                          related_name="services")
    owner_team = models.CharField(max_length=200, blank=True)
    war_room_url_template = models.CharField(
        max_length=500, blank=True,
        help_text="Link of the war-room call; {number} and {org} are replaced, e.g. https://zoom.us/j/123?inc={number}",
    )

    class Meta:
        ordering = ["organization", "name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="service_unique_name")]

    def __str__(self) -> str:
        return self.name


class RootCauseCategory(OrganizationOwned):
    """An org-editable bucket of root causes, for the monthly "most common root causes" review."""

    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["organization", "name"]
        verbose_name_plural = "root cause categories"
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="root_cause_category_unique_name")]

    def __str__(self) -> str:
        return self.name


class Runbook(OrganizationOwned):
    """The plan's runbook template (10.1): symptoms, triage steps, resolution commands, escalation."""

    title = models.CharField(max_length=200)
    symptoms = models.TextField(blank=True, help_text="How to detect it.")
    triage_steps = models.TextField(blank=True, help_text="What to check.")
    resolution = models.TextField(blank=True, help_text="Commands to run.")
    escalation = models.TextField(blank=True, help_text="Who to contact.")
    services = models.ManyToManyField(Service, blank=True, related_name="runbooks")
    tags = models.JSONField(default=list, blank=True, validators=[validate_string_list])
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organization", "title"]

    def __str__(self) -> str:
        return self.title
