"""Read-side queries of comms: how a person is reached, what a severity routes to, runs and ledgers."""

from comms.defaults import DEFAULT_CHAINS
from comms.enums import CHANNEL_ALIASES, PERSONAL_CHANNELS, Channel, Urgency
from comms.models import ChatDestination, ContactMethod, EscalationRun, Notification, NotificationRule, SeverityRoute


def urgency_for(severity) -> str:
    """P0 and P1 (rank 0, 1) page with high urgency."""
    return Urgency.HIGH if severity.rank <= 1 else Urgency.LOW


def _normalise(channels) -> list[str]:
    out: list[str] = []
    for channel in channels or []:
        channel = CHANNEL_ALIASES.get(channel, channel)
        if channel in Channel.values and channel not in out:
            out.append(channel)
    return out


def severity_person_channels(*, organization, severity) -> list[str]:
    """Channels a paged person gets at once for this severity: the org's route, else the severity's own."""
    route = SeverityRoute.objects.filter(organization=organization, severity_name=severity.name).first()
    return _normalise(route.person_channels if route else severity.paging_channels)


def severity_announce_emails(*, organization, severity) -> list[str]:
    route = SeverityRoute.objects.filter(organization=organization, severity_name=severity.name).first()
    return list(route.announce_emails) if route else []


def announce_destinations(*, organization, severity) -> list[ChatDestination]:
    destinations = ChatDestination.objects.filter(organization=organization, is_active=True).order_by("id")
    return [d for d in destinations if severity.name in (d.severities or [])]


def person_chain(*, organization, user, severity) -> list[tuple[str, int]]:
    """(channel, delay minutes) for paging ``user``: the severity's channels at once, then their personal
    chain for its urgency (default chain if they have none); each channel once, earliest delay wins."""
    urgency = urgency_for(severity)
    rules = list(NotificationRule.objects.filter(organization=organization, user=user, urgency=urgency)
                 .order_by("delay_minutes", "position").values_list("channel", "delay_minutes"))
    chain = rules or [(str(c), d) for c, d in DEFAULT_CHAINS[urgency]]
    plan: dict[str, int] = dict.fromkeys(severity_person_channels(organization=organization, severity=severity), 0)
    for channel, delay in chain:
        plan[channel] = min(plan.get(channel, delay), delay)
    order = {str(c): i for i, c in enumerate(PERSONAL_CHANNELS)}
    return sorted(plan.items(), key=lambda item: (item[1], order.get(item[0], 99)))


def contact_for(*, organization, user, channel: str) -> tuple[ContactMethod | None, str]:
    """The method ``user`` registered in ``organization`` for ``channel`` (verified first, then by position)
    and its address; for email the account's address stands in. ``(None, "")`` when there is no way.
    Only this organization's methods count: a number given to another org is never used here."""
    method = (ContactMethod.objects.filter(organization=organization, user=user, kind=channel)
              .order_by("-verified", "position", "id").first())
    if method is not None:
        return method, method.value
    if channel == Channel.EMAIL and user.email:
        return None, user.email
    return None, ""


def default_chat_destination(*, organization) -> ChatDestination | None:
    return (ChatDestination.objects.filter(organization=organization, is_active=True)
            .order_by("-is_default", "id").first())


def run_for_incident(incident) -> EscalationRun | None:
    """The incident's latest run (an incident re-triggered by a new alert gets a new one)."""
    return EscalationRun.objects.filter(incident=incident).order_by("-started_at", "-id").first()


def notifications_for_incident(incident):
    return (Notification.objects.filter(organization_id=incident.organization_id, incident=incident)
            .select_related("recipient", "chat_destination").order_by("created_at", "id"))
