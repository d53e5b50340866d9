from comms.models.config import (
    ChannelThrottle,
    ChatDestination,
    ContactMethod,
    NotificationRule,
    SeverityRoute,
    WebhookEndpoint,
)
from comms.models.paging import EscalationRun, Notification, WebhookDelivery

__all__ = [
    "ChannelThrottle",
    "ChatDestination",
    "ContactMethod",
    "EscalationRun",
    "Notification",
    "NotificationRule",
    "SeverityRoute",
    "WebhookDelivery",
    "WebhookEndpoint",
]
