"""Who to reach and how: contact methods, personal rules, org destinations, routing, throttles, webhooks."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from comms import crypto
from comms.enums import Channel, ChatFormat, Urgency
from tenancy.models import OrganizationOwned

E164 = re.compile(r"^\+[1-9]\d{6,14}$")
SECRET_KINDS = {Channel.CHAT, Channel.WEBHOOK}


def validate_e164(value: str) -> None:
    if not E164.match(value or ""):
        raise ValidationError("Use the E.164 format, e.g. +14155550100.")


class SecretUrl:
    """A URL that is a credential (an incoming-webhook URL): the model stores it encrypted in
    ``url_encrypted`` and shows only ``url_hint``, its redacted form."""

    @property
    def url(self) -> str:
        return crypto.decrypt(self.url_encrypted)

    def set_url(self, url: str) -> None:
        self.url_encrypted = crypto.encrypt(url)
        self.url_hint = crypto.redact_url(url)


class ContactMethod(OrganizationOwned):
    """One way to reach a person: an address, number, chat webhook URL or chat user id, or webhook URL.

    Chat and webhook URLs are credentials: stored encrypted, shown only as a hint."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contact_methods")
    kind = models.CharField(max_length=16, choices=Channel.choices)
    label = models.CharField(max_length=100, blank=True)
    value_encrypted = models.TextField()
    value_hint = models.CharField(max_length=200, help_text="What the API shows of the value.")
    value_fingerprint = models.CharField(max_length=64, db_index=True)
    secret_encrypted = models.TextField(blank=True, help_text="HMAC secret of a webhook contact method.")
    verified = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=0, help_text="Lower is tried first among methods of a kind.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user_id", "kind", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "user", "kind", "value_fingerprint"],
                                    name="contactmethod_unique_value"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.value_hint}"

    @property
    def value(self) -> str:
        return crypto.decrypt(self.value_encrypted)

    def set_value(self, value: str) -> None:
        self.value_encrypted = crypto.encrypt(value)
        self.value_fingerprint = crypto.fingerprint(value)
        is_url = value.startswith(("http://", "https://"))
        self.value_hint = crypto.redact_url(value) if self.kind in SECRET_KINDS and is_url else value

    @property
    def secret(self) -> str:
        return crypto.decrypt(self.secret_encrypted)


class NotificationRule(OrganizationOwned):
    """One link of a person's personal chain for an urgency: "SMS at once, voice after 3 min…"."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_rules")
    urgency = models.CharField(max_length=8, choices=Urgency.choices)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    delay_minutes = models.PositiveIntegerField(default=0)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["user_id", "urgency", "delay_minutes", "position", "id"]
        constraints = [
            # A channel appears once per chain: the idempotency key of a page names the channel.
            models.UniqueConstraint(fields=["organization", "user", "urgency", "channel"],
                                    name="notificationrule_unique_channel"),
        ]

    def __str__(self) -> str:
        return f"{self.urgency}: {self.channel} after {self.delay_minutes} min"


class ChatDestination(SecretUrl, OrganizationOwned):
    """An org chat channel (#incidents, #engineering) reached by an incoming webhook; announces incidents
    of the listed severities. The URL is a credential: encrypted at rest, never shown in full."""

    name = models.CharField(max_length=100)
    format = models.CharField(max_length=16, choices=ChatFormat.choices, default=ChatFormat.SLACK)
    url_encrypted = models.TextField()
    url_hint = models.CharField(max_length=200)
    severities = models.JSONField(default=list, blank=True,
                                  help_text='Severity names announced here, e.g. ["P0", "P1"].')
    is_default = models.BooleanField(default=False, help_text="Where chat user-id contact methods are mentioned.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="chatdestination_unique_name")]

    def __str__(self) -> str:
        return self.name


class SeverityRoute(OrganizationOwned):
    """Org override of how a severity pages: channels used at once for the paged person and email lists
    that get the announcement (the plan's P3 → engineering list). Without a row, the severity's own
    ``paging_channels`` apply."""

    severity_name = models.CharField(max_length=16)
    person_channels = models.JSONField(default=list, blank=True)
    announce_emails = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["severity_name"]
        constraints = [models.UniqueConstraint(fields=["organization", "severity_name"], name="severityroute_unique")]

    def __str__(self) -> str:
        return f"{self.severity_name}: {', '.join(self.person_channels)}"


class ChannelThrottle(OrganizationOwned):
    """At most ``max_count`` sends per ``per_seconds`` to one address on a channel (one SMS a minute per number)."""

    channel = models.CharField(max_length=16, choices=Channel.choices)
    max_count = models.PositiveIntegerField(default=1)
    per_seconds = models.PositiveIntegerField(default=60)

    class Meta:
        ordering = ["channel"]
        constraints = [models.UniqueConstraint(fields=["organization", "channel"], name="channelthrottle_unique")]

    def __str__(self) -> str:
        return f"{self.channel}: {self.max_count} per {self.per_seconds}s"


class WebhookEndpoint(SecretUrl, OrganizationOwned):
    """Where an org wants incident events POSTed, signed with HMAC-SHA256 of its secret."""

    name = models.CharField(max_length=100)
    url_encrypted = models.TextField()
    url_hint = models.CharField(max_length=200)
    secret_encrypted = models.TextField()
    events = models.JSONField(default=list, blank=True, help_text="Event names; empty means all.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def secret(self) -> str:
        return crypto.decrypt(self.secret_encrypted)
