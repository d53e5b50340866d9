"""Channel adapters: each takes a rendered ``Message`` and a ``Target`` and hands it to the provider.

They raise ``TransientError`` (retry later with backoff: timeouts, 5xx, 429) or ``PermanentError``
(do not retry; fall through to the person's next channel: 4xx, invalid address, unconfigured provider)."""

from comms.channels.base import Message, PermanentError, Target, TransientError
from comms.channels.chat import send_chat
from comms.channels.email import send_email
from comms.channels.twilio import send_sms, send_voice
from comms.channels.webhook import send_webhook
from comms.enums import Channel

SENDERS = {
    Channel.EMAIL: send_email,
    Channel.CHAT: send_chat,
    Channel.SMS: send_sms,
    Channel.VOICE: send_voice,
    Channel.WEBHOOK: send_webhook,
}


def send(channel: str, message: Message, target: Target) -> str:
    """Send and return the provider's message id ("" when the provider gives none)."""
    sender = SENDERS.get(channel)
    if sender is None:
        raise PermanentError(f"No adapter for the channel {channel!r}.")
    return sender(message, target)


__all__ = ["SENDERS", "Message", "PermanentError", "Target", "TransientError", "send"]
