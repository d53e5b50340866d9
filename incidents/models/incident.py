"""An incident, its per-org number counter, its war-room roster and its checklists."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from incidents.enums import OPEN_STATUSES, ChecklistKind, IncidentStatus, ParticipantRole
from incidents.models.catalog import RootCauseCategory, Service, Severity
from incidents.models.durations import duration
from tenancy.models import Organization, OrganizationOwned


class IncidentSequence(models.Model):
    """The last incident number of an organization; locked (select_for_update) to hand out the next."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="+")
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.organization}: #{self.last_number}"


class Incident(OrganizationOwned):
    """Something is broken. Its state only changes through ``incidents.services``."""

    number = models.PositiveIntegerField(help_text="Per organization: 1, 2, 3…")
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    severity = models.ForeignKey(Severity, on_delete=models.PROTECT, related_name="incidents")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, null=True, blank=True, related_name="incidents")
    status = models.CharField(max_length=16, choices=IncidentStatus.choices, default=IncidentStatus.TRIGGERED)
    commander = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+")
    detected_at = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    impact_started_at = models.DateTimeField(null=True, blank=True,
                                             help_text="When users started to be affected, if known (editable).")
    mitigated_at = models.DateTimeField(null=True, blank=True, editable=False,
                                        help_text="The first move to monitoring (impact contained).")
    monitoring_since = models.DateTimeField(null=True, blank=True, editable=False,
                                            help_text="When the current stay in monitoring began.")
    customer_impact = models.TextField(blank=True)
    root_cause = models.TextField(blank=True)
    root_cause_category = models.ForeignKey(RootCauseCategory, on_delete=models.SET_NULL, null=True, blank=True,
                                            related_name="incidents")
    is_drill = models.BooleanField(default=False, help_text="A tabletop exercise, not a real outage.")
    drill_pages = models.BooleanField(default=False, db_default=False,
                                      help_text="A drill that pages people for real (its messages say DRILL).")
    war_room_url = models.CharField(max_length=500, blank=True)
    alert_count = models.PositiveIntegerField(default=0)
    source = models.CharField(max_length=32, default="manual", help_text='"manual", "api" or an integration kind.')
    next_update_at = models.DateTimeField(null=True, blank=True, editable=False,
                                          help_text="When the next status update is due (set by comms when one is "
                                                    "posted); empty when no cadence applies.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    paging_warning = models.CharField(max_length=300, blank=True,
                                      help_text="Why this incident pages nobody (no policy for it), else empty.")
    # Seconds between its moments, computed by the database on every write (what the metrics read).
    detect_to_ack_seconds = duration("acknowledged_at", "detected_at", "Detection → acknowledgment.")
    detect_to_resolve_seconds = duration("resolved_at", "detected_at", "Detection → resolution.")
    open_to_ack_seconds = duration("acknowledged_at", "created_at", "Opened in Foghorn → acknowledgment.")
    detect_to_mitigate_seconds = duration("mitigated_at", "detected_at", "Detection → first move to monitoring.")
    impact_to_detect_seconds = duration("detected_at", "impact_started_at", "Impact start → detection.")
    impact_to_resolve_seconds = duration("resolved_at", "impact_started_at", "Impact start → resolution.")

    class Meta:
        ordering = ["organization", "-number"]
        constraints = [models.UniqueConstraint(fields=["organization", "number"], name="incident_unique_number")]
        indexes = [
            models.Index(fields=["organization", "status"], name="incident_org_status"),
            models.Index(fields=["organization", "-detected_at"], name="incident_org_detected"),
            models.Index(fields=["status", "monitoring_since"], name="incident_monitoring"),
            # Drills are rare: the metrics exclude them through this small index.
            models.Index(fields=["organization"], name="incident_drills", condition=models.Q(is_drill=True)),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class Participant(OrganizationOwned):
    """Someone in the war room, in one role."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=16, choices=ParticipantRole.choices, default=ParticipantRole.ENGINEER)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["incident", "added_at", "id"]
        constraints = [models.UniqueConstraint(fields=["incident", "user"], name="participant_unique_user")]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}) on #{self.incident.number}"


class ChecklistItem(OrganizationOwned):
    """One box of an incident's triage (4.2) or verification (6.2) checklist."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="checklist_items")
    checklist = models.CharField(max_length=16, choices=ChecklistKind.choices)
    key = models.SlugField(max_length=64)
    label = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField(default=0)
    done = models.BooleanField(default=False)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    checked_at = models.DateTimeField(null=True, blank=True)
    automatic = models.BooleanField(default=False, help_text="Ticked by the system, not a person.")

    class Meta:
        ordering = ["incident", "checklist", "position"]
        constraints = [models.UniqueConstraint(fields=["incident", "key"], name="checklist_item_unique_key")]

    def __str__(self) -> str:
        return f"[{'x' if self.done else ' '}] {self.label}"
