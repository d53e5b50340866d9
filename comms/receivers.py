"""Signal receivers: Anymail tracking webhooks, new members' defaults."""

import logging

from comms.services import contacts, delivery

logger = logging.getLogger(__name__)


def on_anymail_tracking(sender, event, esp_name, **kwargs) -> None:
    """``/anymail/<esp>/tracking/`` → delivered / bounced / complained on the Notification."""
    notification = delivery.notification_track(event=event)
    logger.info("email tracking event", extra={"esp": esp_name, "event_type": event.event_type,
                                               "notification_id": getattr(notification, "pk", None)})


def on_membership_saved(sender, instance, created, raw=False, **kwargs) -> None:
    if created and not raw:
        contacts.contact_defaults_ensure(organization=instance.organization, user=instance.user)

