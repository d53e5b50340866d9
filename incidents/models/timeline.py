"""The timeline: the incident's audit log and the outbox other apps react to. Append-only."""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from incidents.enums import TimelineKind
from incidents.models.incident import Incident
from tenancy.models import Organization, OrganizationOwned, OrganizationQuerySet


class AppendOnlyError(Exception):
    """Timeline events are never changed or removed."""


class TimelineEventQuerySet(OrganizationQuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Timeline events are append-only: they cannot be updated.")

    def delete(self):
        raise AppendOnlyError("Timeline events are append-only: they cannot be deleted.")


class TimelineEvent(OrganizationOwned):
    """Something that happened to an incident. ``actor`` None means the system did it."""

    # Written on every event (an alert storm adds hundreds a second), so only the indexes reads need:
    # the incident is indexed by timeline_incident_at, which it leads; the actor (None for the
    # system, most events) only where there is one.
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="timeline", db_index=False)
    kind = models.CharField(max_length=32, choices=TimelineKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", db_index=False)
    at = models.DateTimeField(default=timezone.now)
    payload = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)

    objects = TimelineEventQuerySet.as_manager()

    class Meta:
        ordering = ["incident", "at", "id"]
        indexes = [
            models.Index(fields=["incident", "at"], name="timeline_incident_at"),
            models.Index(fields=["at"], name="timeline_at"),
            models.Index(fields=["actor"], condition=models.Q(actor__isnull=False), name="timeline_actor"),
        ]

    def __str__(self) -> str:
        return f"#{self.incident_id} {self.kind} at {self.at:%Y-%m-%d %H:%M:%S}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Timeline events are append-only: they cannot be updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Timeline events are append-only: they cannot be deleted.")


class TimelineEventDelivery(OrganizationOwned):
    """A handler (by its registered name) finished with an event: the outbox's "done" mark."""

    event = models.ForeignKey(TimelineEvent, on_delete=models.CASCADE, related_name="deliveries")
    handler = models.CharField(max_length=100)
    done_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["event", "handler"]
        verbose_name_plural = "timeline event deliveries"
        constraints = [models.UniqueConstraint(fields=["event", "handler"], name="timeline_delivery_unique")]

    def __str__(self) -> str:
        return f"{self.handler} on event {self.event_id}: {'done' if self.done_at else 'pending'}"
