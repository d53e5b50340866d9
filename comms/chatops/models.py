"""The Slack app's rows: the installed workspace (one per org), the org's ChatOps settings, the channel of
each incident, the ledger of Slack/Zoom side effects, the Slack ↔ member map and the seen events."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from comms import crypto
from comms.chatops.enums import ActionKind, ActionState, WarRoomMode
from incidents.models import Incident
from tenancy.models import OrganizationOwned

DEFAULT_CHANNEL_PATTERN = "incident-{number}-{slug}"


def default_channel_severities() -> list[str]:
    return ["P0", "P1", "P2"]


class SlackWorkspace(OrganizationOwned):
    """The org's installation of the Slack app: a workspace (``team_id``) belongs to exactly one org.
    The bot token is a credential: encrypted at rest (``comms.crypto``), never shown by the API."""

    team_id = models.CharField(max_length=32, unique=True)
    team_name = models.CharField(max_length=200, blank=True)
    app_id = models.CharField(max_length=32, blank=True)
    bot_user_id = models.CharField(max_length=32, blank=True)
    scope = models.TextField(blank=True)
    bot_token_encrypted = models.TextField()
    installed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")
    installed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization"], name="slackworkspace_one_per_org")]

    def __str__(self) -> str:
        return f"{self.team_name or self.team_id} ({self.organization})"

    @property
    def bot_token(self) -> str:
        return crypto.decrypt(self.bot_token_encrypted)

    def set_bot_token(self, token: str) -> None:
        self.bot_token_encrypted = crypto.encrypt(token)


class ChatOpsSettings(OrganizationOwned):
    """How the org wants Slack and the war room used. Kept across re-installs of the app."""

    announcement_channel = models.CharField(max_length=100, blank=True,
                                            help_text="Channel id or #name where incidents are announced.")
    channel_name_pattern = models.CharField(max_length=100, default=DEFAULT_CHANNEL_PATTERN,
                                            help_text="{number}, {slug} (of the title) and {severity} are replaced.")
    channel_severities = models.JSONField(default=default_channel_severities, blank=True,
                                          help_text='Severities that get an incident channel, e.g. ["P0", "P1"].')
    stakeholder_groups = models.JSONField(default=dict, blank=True,
                                          help_text='User group handles to mention per severity, e.g. '
                                                    '{"P0": ["engineering", "leadership"]}.')
    war_room_mode = models.CharField(max_length=8, choices=WarRoomMode.choices, default=WarRoomMode.NONE)
    war_room_url = models.CharField(max_length=500, blank=True,
                                    help_text="Static bridge; {number}, {org} and {slug} are replaced.")

    class Meta:
        verbose_name_plural = "ChatOps settings"
        constraints = [models.UniqueConstraint(fields=["organization"], name="chatopssettings_one_per_org")]

    def __str__(self) -> str:
        return f"ChatOps settings of {self.organization}"


class IncidentChannel(OrganizationOwned):
    """The Slack channel of one incident (the incident API cannot import comms: ``/incidents/<n>/slack/``)."""

    incident = models.OneToOneField(Incident, on_delete=models.CASCADE, related_name="slack_channel")
    team_id = models.CharField(max_length=32)
    channel_id = models.CharField(max_length=32)
    name = models.CharField(max_length=80)
    card_ts = models.CharField(max_length=32, blank=True, help_text="The incident card's message timestamp.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team_id", "channel_id"], name="incidentchannel_unique")]

    def __str__(self) -> str:
        return f"#{self.name} ({self.channel_id})"


class SlackAction(OrganizationOwned):
    """One Slack or Zoom call in the delivery ledger: written (with its unique key) before it is made,
    made after commit by a worker that claims it, retried with back-off and Slack's ``Retry-After``,
    never made twice. ``requires`` lists keys that must be finished first (the channel before its card)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    kind = models.CharField(max_length=16, choices=ActionKind.choices)
    idempotency_key = models.CharField(max_length=200, unique=True)
    requires = models.JSONField(default=list, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=8, choices=ActionState.choices, default=ActionState.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    nudged_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    result = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="chatops_action_due")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.incident_id} ({self.state})"


class SlackUser(OrganizationOwned):
    """A Slack user of the org's workspace and the member they are (matched by confirmed email)."""

    team_id = models.CharField(max_length=32)
    slack_user_id = models.CharField(max_length=32)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True,
                             related_name="+")
    email = models.EmailField(blank=True)
    name = models.CharField(max_length=200, blank=True)
    checked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team_id", "slack_user_id"], name="slackuser_unique")]

    def __str__(self) -> str:
        return f"{self.name or self.slack_user_id} → {self.user or 'nobody'}"


class SlackInbound(OrganizationOwned):
    """A slash command, button or Events API event received (verified) and to be handled by a worker.
    Its unique ``key`` (the event id, the trigger id) makes Slack's retries and our re-drives do it once;
    the row is the schedule: ``done_at`` empty rows are handed out again by the ticker."""

    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=32)
    team_id = models.CharField(max_length=32)
    payload = models.JSONField(default=dict)
    received_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    done_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["done_at", "received_at"], name="chatops_inbound_due")]

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"
