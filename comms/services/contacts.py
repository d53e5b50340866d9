"""Contact methods, personal notification rules (with defaults), chat destinations, severity routes,
throttles and outbound webhook endpoints."""

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import IntegrityError, transaction

from comms import crypto, netguard
from comms.defaults import DEFAULT_CHAINS
from comms.enums import Channel, Urgency
from comms.models import (
    ChannelThrottle,
    ChatDestination,
    ContactMethod,
    NotificationRule,
    SeverityRoute,
    WebhookEndpoint,
)
from comms.models.config import validate_e164
from tenancy.errors import ApplicationError

CHANNEL_VALUES = set(Channel.values)


def _bad(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, {field: [message]})


def validate_contact_value(kind: str, value: str) -> str:
    value = (value or "").strip()
    if not value:
        raise _bad("value", "This field may not be blank.")
    try:
        if kind == Channel.EMAIL:
            EmailValidator()(value)
            value = value.lower()
        elif kind in (Channel.SMS, Channel.VOICE):
            validate_e164(value)
        elif kind == Channel.WEBHOOK or (kind == Channel.CHAT and value.startswith(("http://", "https://"))):
            URLValidator(schemes=["http", "https"])(value)
            netguard.check_url(value)
    except ValidationError as exc:
        raise _bad("value", exc.messages[0]) from exc
    except netguard.UnsafeURL as exc:
        raise _bad("value", str(exc)) from exc
    return value


@transaction.atomic
def contact_method_create(*, organization, user, kind: str, value: str, label: str = "", verified: bool = False,
                          position: int = 0) -> tuple[ContactMethod, str]:
    """Add a way to reach ``user``. Returns the method and, for a webhook, its signing secret (shown once)."""
    if kind not in CHANNEL_VALUES:
        raise _bad("kind", f"Choose one of: {', '.join(CHANNEL_VALUES)}.")
    method = ContactMethod(organization=organization, user=user, kind=kind, label=label, verified=verified,
                           position=position)
    method.set_value(validate_contact_value(kind, value))
    secret = ""
    if kind == Channel.WEBHOOK:
        secret = crypto.new_secret()
        method.secret_encrypted = crypto.encrypt(secret)
    try:
        with transaction.atomic():
            method.save()
    except IntegrityError as exc:
        raise _bad("value", "This person already has this contact method.") from exc
    return method, secret


@transaction.atomic
def contact_method_update(*, method: ContactMethod, **changes) -> ContactMethod:
    method = ContactMethod.objects.select_for_update().get(pk=method.pk)
    if "value" in changes:
        method.set_value(validate_contact_value(method.kind, changes.pop("value")))
        method.verified = changes.pop("verified", False)
    for field in ("label", "verified", "position"):
        if field in changes:
            setattr(method, field, changes[field])
    try:
        with transaction.atomic():
            method.save()
    except IntegrityError as exc:
        raise _bad("value", "This person already has this contact method.") from exc
    return method


def contact_method_delete(*, method: ContactMethod) -> None:
    method.delete()


def contact_defaults_ensure(*, organization, user) -> None:
    """A new member gets their account email as a contact method and the default chains. Numbers and
    chat ids are registered per organization (what a person gives org A is never used by org B).
    Idempotent: nothing is added where the person already has something."""
    if not ContactMethod.objects.filter(organization=organization, user=user).exists():
        email = ContactMethod(organization=organization, user=user, kind=Channel.EMAIL, label="Account email",
                              verified=True)
        email.set_value(user.email.lower())
        ContactMethod.objects.bulk_create([email], ignore_conflicts=True)
    if not NotificationRule.objects.filter(organization=organization, user=user).exists():
        NotificationRule.objects.bulk_create(
            [NotificationRule(organization=organization, user=user, urgency=urgency, channel=channel,
                              delay_minutes=delay, position=position)
             for urgency, chain in DEFAULT_CHAINS.items() for position, (channel, delay) in enumerate(chain)],
            ignore_conflicts=True,
        )


@transaction.atomic
def notification_rules_set(*, organization, user, urgency: str, chain: list[dict]) -> list[NotificationRule]:
    """Replace ``user``'s chain for ``urgency`` with ``chain`` (``[{"channel", "delay_minutes"}]``)."""
    if urgency not in Urgency.values:
        raise _bad("urgency", f"Choose one of: {', '.join(Urgency.values)}.")
    if not chain:
        raise _bad("chain", "A chain needs at least one channel.")
    seen: set[str] = set()
    for link in chain:
        channel = link.get("channel")
        if channel not in CHANNEL_VALUES:
            raise _bad("chain", f"Unknown channel {channel!r}.")
        if channel in seen:
            raise _bad("chain", f"The channel {channel} appears twice.")
        seen.add(channel)
        if not isinstance(link.get("delay_minutes", 0), int) or link.get("delay_minutes", 0) < 0:
            raise _bad("chain", "delay_minutes is a whole number of minutes, 0 or more.")
    NotificationRule.objects.filter(organization=organization, user=user, urgency=urgency).delete()
    return NotificationRule.objects.bulk_create(
        NotificationRule(organization=organization, user=user, urgency=urgency, channel=link["channel"],
                         delay_minutes=link.get("delay_minutes", 0), position=position)
        for position, link in enumerate(chain)
    )


def _check_url(url: str, field: str = "url") -> str:
    url = (url or "").strip()
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError as exc:
        raise _bad(field, "Enter a valid http(s) URL.") from exc
    try:
        netguard.check_url(url)
    except netguard.UnsafeURL as exc:
        raise _bad(field, str(exc)) from exc
    return url


def _check_unique_name(model, organization, name: str, exclude_pk=None) -> None:
    if not (name or "").strip():
        raise _bad("name", "This field may not be blank.")
    if model.objects.filter(organization=organization, name=name).exclude(pk=exclude_pk).exists():
        raise _bad("name", "This name is taken.")


@transaction.atomic
def chat_destination_create(*, organization, name: str, url: str, **fields) -> ChatDestination:
    _check_unique_name(ChatDestination, organization, name)
    destination = ChatDestination(organization=organization, name=name, **fields)
    destination.set_url(_check_url(url))
    destination.save()
    return destination


@transaction.atomic
def chat_destination_update(*, destination: ChatDestination, **changes) -> ChatDestination:
    destination = ChatDestination.objects.select_for_update().get(pk=destination.pk)
    if "name" in changes:
        _check_unique_name(ChatDestination, destination.organization, changes["name"], destination.pk)
    return _save_with_url(destination, changes)


def severity_route_save(*, organization, severity_name: str, person_channels: list[str] | None = None,
                        announce_emails: list[str] | None = None, route: SeverityRoute | None = None) -> SeverityRoute:
    person_channels, announce_emails = list(person_channels or []), list(announce_emails or [])
    unknown = [c for c in person_channels if c not in CHANNEL_VALUES and c != "push"]
    if unknown:
        raise _bad("person_channels", f"Unknown channels: {', '.join(unknown)}.")
    for address in announce_emails:
        try:
            EmailValidator()(address)
        except ValidationError as exc:
            raise _bad("announce_emails", f"Not an email address: {address}") from exc
    route = route or SeverityRoute(organization=organization)
    if SeverityRoute.objects.filter(organization=organization, severity_name=severity_name).exclude(
            pk=route.pk).exists():
        raise _bad("severity_name", "This severity already has a route.")
    route.severity_name, route.person_channels, route.announce_emails = severity_name, person_channels, announce_emails
    route.save()
    return route


def channel_throttle_save(*, organization, channel: str, max_count: int = 1, per_seconds: int = 60,
                          throttle: ChannelThrottle | None = None) -> ChannelThrottle:
    if channel not in CHANNEL_VALUES:
        raise _bad("channel", "Unknown channel.")
    if max_count < 1 or per_seconds < 1:
        raise _bad("max_count", "max_count and per_seconds must be at least 1.")
    throttle = throttle or ChannelThrottle(organization=organization)
    if ChannelThrottle.objects.filter(organization=organization, channel=channel).exclude(pk=throttle.pk).exists():
        raise _bad("channel", "This channel already has a throttle.")
    throttle.channel, throttle.max_count, throttle.per_seconds = channel, max_count, per_seconds
    throttle.save()
    return throttle


@transaction.atomic
def webhook_endpoint_create(*, organization, name: str, url: str, events: list[str] | None = None,
                            is_active: bool = True) -> tuple[WebhookEndpoint, str]:
    """Returns the endpoint and its signing secret, shown once."""
    endpoint = WebhookEndpoint(organization=organization, name=name, events=events or [], is_active=is_active)
    endpoint.set_url(_check_url(url))
    secret = crypto.new_secret()
    endpoint.secret_encrypted = crypto.encrypt(secret)
    endpoint.save()
    return endpoint, secret


@transaction.atomic
def webhook_endpoint_update(*, endpoint: WebhookEndpoint, **changes) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    return _save_with_url(endpoint, changes)


def _save_with_url(instance, changes: dict):
    """Apply ``changes`` to a locked ``SecretUrl`` model (a new ``url`` checked and encrypted) and save it."""
    if "url" in changes:
        instance.set_url(_check_url(changes.pop("url")))
    for field, value in changes.items():
        setattr(instance, field, value)
    instance.save()
    return instance


def notification_rule_save(*, organization, user, urgency: str, channel: str, delay_minutes: int = 0,
                           position: int = 0, rule: NotificationRule | None = None) -> NotificationRule:
    """Add or change one link of a personal chain (a channel appears once per urgency)."""
    duplicate = NotificationRule.objects.filter(organization=organization, user=user, urgency=urgency,
                                                channel=channel).exclude(pk=getattr(rule, "pk", None))
    if duplicate.exists():
        raise _bad("channel", f"This {urgency}-urgency chain already has {channel}.")
    rule = rule or NotificationRule(organization=organization)
    rule.user, rule.urgency, rule.channel = user, urgency, channel
    rule.delay_minutes, rule.position = delay_minutes, position
    rule.save()
    return rule


def object_delete(*, obj) -> None:
    """Delete a comms configuration object (contact method, rule, destination, route, throttle, endpoint)."""
    obj.delete()
