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
from comms.models.status import StatusUpdate

__all__ = [
    "ChannelThrottle",
    "ChatDestination",
    "ContactMethod",
    "EscalationRun",
    "Notification",
    "NotificationRule",
    "OutboundCircuit",
    "SeverityRoute",
    "StatusUpdate",
    "TickerBeat",
    "WebhookDelivery",
    "WebhookEndpoint",
]
