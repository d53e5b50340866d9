from comms.models.campaigns import AffectedUser, EmailCampaign
from comms.models.config import (
    ChannelThrottle,
    ChatDestination,
    ContactMethod,
    NotificationRule,
    SeverityRoute,
    WebhookEndpoint,
)
from comms.models.outbound import OutboundCircuit, TickerBeat
from comms.models.paging import EscalationRun, Notification, WebhookDelivery
from comms.models.status import StatusUpdate, UpdateReminder
from comms.models.templates import MessageTemplate

__all__ = [
    "AffectedUser",
    "ChannelThrottle",
    "ChatDestination",
    "ContactMethod",
    "EmailCampaign",
    "EscalationRun",
    "MessageTemplate",
    "Notification",
    "NotificationRule",
    "OutboundCircuit",
    "SeverityRoute",
    "StatusUpdate",
    "TickerBeat",
    "UpdateReminder",
    "WebhookDelivery",
    "WebhookEndpoint",
]
