"""Defaults a new organization or person starts with."""

from comms.enums import Channel, Urgency

# New people get these personal chains (the example for high urgency).
DEFAULT_CHAINS = {
    Urgency.HIGH: [(Channel.SMS, 0), (Channel.VOICE, 3), (Channel.EMAIL, 10)],
    Urgency.LOW: [(Channel.EMAIL, 0), (Channel.SMS, 30)],
}

# (max sends, per seconds) to one address on a channel, unless the org sets a ChannelThrottle.
DEFAULT_THROTTLES = {
    Channel.SMS: (1, 60),
    Channel.VOICE: (1, 60),
    Channel.EMAIL: (30, 60),
    Channel.CHAT: (30, 60),
}
