"""Paging: an escalation run per incident and the delivery ledger (one row per message, written before sending)."""

import uuid

from django.conf import settings
from django.db import models

from comms.enums import Channel, DeliveryState, NotificationState, Purpose, RunState
from incidents.models import Incident
from tenancy.models import OrganizationOwned


class EscalationRun(OrganizationOwned):
    """The paging of one incident (one run per time it is triggered): a snapshot of its policy, where it
    is, and when it moves next.

    The row is the schedule: ``next_step_due_at`` is claimed by the beat ticker; a Celery message
    is only a nudge. ``current_step`` is the index in ``policy_snapshot["steps"]`` of the step paged
    last (-1 before the first), ``loop`` counts repeats (0 = first pass)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="escalation_runs")
    trigger_event_id = models.BigIntegerField(
        null=True, blank=True, unique=True,
        help_text="The timeline event (incident created, or re-triggered by a new alert) this run pages for.")
    policy_snapshot = models.JSONField(default=dict, blank=True)
    severity_name = models.CharField(max_length=16, blank=True)
    current_step = models.IntegerField(default=-1)
    loop = models.PositiveIntegerField(default=0)
    next_step_due_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=16, choices=RunState.choices, default=RunState.ACTIVE)
    started_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_reason = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["state", "next_step_due_at"], name="comms_run_due")]

    def __str__(self) -> str:
        return f"Run of #{self.incident.number} ({self.state}, step {self.current_step + 1}, loop {self.loop})"

    @property
    def steps(self) -> list[dict]:
        return list((self.policy_snapshot or {}).get("steps") or [])


class Notification(OrganizationOwned):
    """One message to one recipient on one channel: the delivery ledger.

    ``idempotency_key`` (``run:step:loop:recipient:channel``) is unique and the row is committed
    before anything is sent, so a retried or duplicated task never sends twice."""

    # Empty only for status page subscriber mail about a maintenance (purpose "subscriber").
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="notifications")
    run = models.ForeignKey(EscalationRun, on_delete=models.CASCADE, null=True, blank=True,
                            related_name="notifications")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+")
    contact_method = models.ForeignKey("comms.ContactMethod", on_delete=models.SET_NULL, null=True, blank=True,
                                       related_name="+")
    chat_destination = models.ForeignKey("comms.ChatDestination", on_delete=models.SET_NULL, null=True, blank=True,
                                         related_name="+")
    address = models.CharField(max_length=320, blank=True, help_text="Where it goes, for display and throttling "
                                                                      "(a URL is shown only as a hint).")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    purpose = models.CharField(max_length=16, choices=Purpose.choices, default=Purpose.PAGE)
    idempotency_key = models.CharField(max_length=200, unique=True)
    step = models.IntegerField(null=True, blank=True)
    loop = models.IntegerField(null=True, blank=True)
    state = models.CharField(max_length=16, choices=NotificationState.choices, default=NotificationState.PENDING)
    due_at = models.DateTimeField()
    nudged_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True, help_text="A send in progress; retried after this.")
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    provider_message_id = models.CharField(max_length=200, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Messages not built from the incident alone (status updates, cadence reminders) carry their text.
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField(blank=True)
    status_update = models.ForeignKey("comms.StatusUpdate", on_delete=models.SET_NULL, null=True, blank=True,
                                      related_name="notifications")
    campaign = models.ForeignKey("comms.EmailCampaign", on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="notifications")
    affected_user = models.ForeignKey("comms.AffectedUser", on_delete=models.SET_NULL, null=True, blank=True,
                                      related_name="+")

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["campaign", "state"], name="comms_notification_campaign"),
            models.Index(fields=["state", "due_at"], name="comms_notification_due"),
            models.Index(fields=["organization", "channel", "address", "sent_at"], name="comms_notification_throttle"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} to {self.address or self.recipient} ({self.state})"


class WebhookDelivery(OrganizationOwned):
    """One event for one org webhook endpoint, retried with backoff, delivered in order per incident (incident
    events, keyed by their timeline event) or per subject (other events, e.g. ``action_item:42``, keyed by
    ``event_key``)."""

    endpoint = models.ForeignKey("comms.WebhookEndpoint", on_delete=models.CASCADE, related_name="deliveries")
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="+", null=True, blank=True)
    timeline_event_id = models.BigIntegerField(null=True, blank=True)
    subject = models.CharField(max_length=100, blank=True, help_text='What a non-incident event is about.')
    event_key = models.CharField(max_length=200, blank=True,
                                 help_text="The idempotency key of a non-incident event (one delivery per endpoint).")
    delivery_id = models.UUIDField(default=uuid.uuid4, unique=True, help_text="The idempotency id receivers see.")
    event = models.CharField(max_length=40)
    payload = models.JSONField(default=dict)
    state = models.CharField(max_length=16, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    nudged_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_status_code = models.IntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["incident_id", "timeline_event_id", "id"]
        verbose_name_plural = "webhook deliveries"
        constraints = [models.UniqueConstraint(fields=["endpoint", "timeline_event_id"],
                                               name="webhookdelivery_unique_event"),
                       models.UniqueConstraint(fields=["endpoint", "event_key"], condition=~models.Q(event_key=""),
                                               name="webhookdelivery_unique_key")]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="comms_webhook_due")]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint} ({self.state})"
