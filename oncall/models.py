"""On-call rows: schedules (layers + versions, overrides), escalation policies, responder
groups, iCal feeds, handoff preferences and the idempotency rows of notices.

Local (wall-clock) date-times of a layer (``rotation_start``, ``end``) are stored in a
DateTimeField as *floating* times: the wall-clock digits in the schedule's zone, saved
with a UTC tzinfo only because the column requires one. ``oncall.scheduling`` strips it.
"""

from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from oncall.enums import NoticeKind, RotationType
from tenancy.models import OrganizationOwned, validate_time_zone

HANDOFF_LEAD_MIN = timedelta(minutes=15)
HANDOFF_LEAD_MAX = timedelta(days=7)
HANDOFF_LEAD_DEFAULT = timedelta(hours=1)


class Schedule(OrganizationOwned):
    name = models.CharField(max_length=200)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Layer(OrganizationOwned):
    """A rotation's identity and rank. Its rotation settings live in versions (``LayerVersion``)."""

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="layers")
    name = models.CharField(max_length=200, blank=True)
    priority = models.IntegerField(help_text="Higher wins; unique within the schedule.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["schedule", "-priority"]
        constraints = [
            models.UniqueConstraint(fields=["schedule", "priority"], name="oncall_layer_unique_priority"),
        ]

    def __str__(self) -> str:
        return self.name or f"Layer {self.priority}"


class LayerVersion(models.Model):
    """The rotation of a layer from ``effective_from`` (null: since the beginning) until the next version.

    A change to a running layer adds a version instead of editing one, so history never moves.
    ``participant_offset``: slot k belongs to ``participants[(k + offset) % len(participants)]``.
    """

    layer = models.ForeignKey(Layer, on_delete=models.CASCADE, related_name="versions")
    effective_from = models.DateTimeField(null=True, blank=True)
    participants = models.JSONField(default=list, help_text="User ids in rotation order.")
    rotation_type = models.CharField(max_length=16, choices=RotationType.choices, default=RotationType.WEEKLY)
    shift_length = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)])
    rotation_start = models.DateTimeField(help_text="Floating local date-time of the first handoff.")
    end = models.DateTimeField(null=True, blank=True, help_text="Floating local date-time; none: forever.")
    restrictions = models.JSONField(default=list, blank=True)
    participant_offset = models.IntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["layer", models.F("effective_from").asc(nulls_first=True), "id"]

    def __str__(self) -> str:
        return f"{self.layer} from {self.effective_from or 'the start'}"


class Override(OrganizationOwned):
    """``user`` covers [start, end); with ``replaces_user`` only where that person is on call."""

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="overrides")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    replaces_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True,
                                      related_name="+")
    start = models.DateTimeField()
    end = models.DateTimeField()
    note = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["schedule", "start", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gt=models.F("start")),
                                   name="oncall_override_end_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.schedule} {self.start:%Y-%m-%d %H:%M}"


class ResponderGroup(OrganizationOwned):
    """A named role people are paged as, e.g. "Engineering manager" or "CTO"."""

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="oncall_group_unique_name")]

    def __str__(self) -> str:
        return self.name


class EscalationPolicy(OrganizationOwned):
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    repeat_count = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(9)],
                                                    help_text="How many times the steps run again (0-9).")
    repeat_from_position = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1)],
        help_text="The step a repeat starts from (1 = the first step), e.g. skip the primary on repeats.")
    is_default = models.BooleanField(
        default=False, help_text="Pages incidents with no service, or whose service has no policy (one per org).")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name_plural = "escalation policies"
        constraints = [
            models.UniqueConstraint(fields=["organization"], condition=models.Q(is_default=True),
                                    name="escalationpolicy_one_default_per_org"),
        ]

    def __str__(self) -> str:
        return self.name


class EscalationStep(OrganizationOwned):
    """Page the targets, then wait ``delay_minutes`` before the next step."""

    policy = models.ForeignKey(EscalationPolicy, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    delay_minutes = models.PositiveIntegerField(default=15)
    users = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    schedules = models.ManyToManyField(Schedule, blank=True, related_name="escalation_steps")
    groups = models.ManyToManyField(ResponderGroup, blank=True, related_name="escalation_steps")

    class Meta:
        ordering = ["policy", "position"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "position"], name="oncall_step_unique_position"),
        ]

    def __str__(self) -> str:
        return f"{self.policy} step {self.position}"

    @property
    def responder_groups(self):
        """The ``groups`` targets, under the name the design uses."""
        return self.groups


class ICalFeed(OrganizationOwned):
    """A secret calendar URL: a schedule's shifts, or (no schedule) one user's shifts in the org."""

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, null=True, blank=True, related_name="ical_feeds")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True,
                             related_name="+")
    prefix = models.CharField(max_length=16)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"iCal feed {self.prefix}…"


class OncallPreference(OrganizationOwned):
    """Per person and org: how long before a shift the handoff notice goes out."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    handoff_lead_time = models.DurationField(default=HANDOFF_LEAD_DEFAULT)
    handoff_notices = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "user"], name="oncall_pref_unique_user")]

    def __str__(self) -> str:
        return f"{self.user}: {self.handoff_lead_time}"


class OncallNotice(OrganizationOwned):
    """Idempotency row written before an email goes out: one per (schedule, user, instant, kind)."""

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(help_text="The shift start (or end, or day) the notice is about.")
    kind = models.CharField(max_length=32, choices=NoticeKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["schedule", "user", "at", "kind"], name="oncall_notice_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.user} {self.at:%Y-%m-%d %H:%M}"
