"""Configuration writes: integrations (keys shown once, stored hashed) and maintenance windows."""

import hmac
import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from incidents.ingestion import keys, ratelimit, selectors
from incidents.ingestion.enums import AlertSeverity, IntegrationKind
from incidents.ingestion.models import Heartbeat, Integration, MaintenanceWindow
from incidents.models import Service, Severity
from tenancy.errors import ApplicationError
from tenancy.models import Organization, User
from tenancy.tokens import hash_secret

logger = logging.getLogger(__name__)

CONFIG_FIELDS = {"name", "service", "enabled", "severity_mapping", "rate_limit_per_minute", "rate_limit_burst",
                 "auto_resolve", "basic_auth_username", "basic_auth_password", "heartbeat_interval_minutes",
                 "heartbeat_timeout_minutes", "storm_threshold_per_minute"}


def ingestion_url(integration: Integration, routing_key: str) -> str:
    base = settings.FOGHORN_BASE_URL.rstrip("/")
    if integration.kind == IntegrationKind.PAGERDUTY_V2:
        return f"{base}/v2/enqueue"
    return f"{base}/integrations/v1/{integration.kind}/{routing_key}/"


def _changed_on_commit(integration_ids) -> None:
    """Every process drops its cached copy (this one now, the others through Redis after commit)."""
    selectors.integration_cache_clear()
    ids = list(integration_ids)

    def bump():
        for integration_id in ids:
            ratelimit.bump_generation(integration_id)
        selectors.integration_cache_clear()

    transaction.on_commit(bump)


def _validate(organization: Organization, values: dict) -> None:
    errors: dict[str, list[str]] = {}
    service = values.get("service")
    if service is not None and service.organization_id != organization.pk:
        errors["service"] = ["Not a service of this organization."]
    mapping = values.get("severity_mapping")
    if mapping is not None:
        names = set(Severity.objects.filter(organization=organization).values_list("name", flat=True))
        if not isinstance(mapping, dict):
            errors["severity_mapping"] = ["An object mapping alert severities to severity names."]
        else:
            bad = [f"{key}: unknown alert severity" for key in mapping if key not in AlertSeverity.values]
            bad += [f"{key}: unknown severity {value!r}" for key, value in mapping.items()
                    if not isinstance(value, str) or value not in names]
            if bad:
                errors["severity_mapping"] = bad
    for name in ("rate_limit_per_minute", "rate_limit_burst", "heartbeat_interval_minutes"):
        if name in values and (not isinstance(values[name], int) or values[name] < 1):
            errors[name] = ["Must be at least 1."]
    threshold = values.get("storm_threshold_per_minute")
    if threshold is not None and (not isinstance(threshold, int) or threshold < 0):
        errors["storm_threshold_per_minute"] = ["Must be 0 (never group) or more."]
    if errors:
        raise ApplicationError(next(iter(errors.values()))[0], errors)


def _apply(integration: Integration, values: dict) -> None:
    password = values.pop("basic_auth_password", None)
    for name, value in values.items():
        setattr(integration, name, value)
    if password is not None:
        integration.basic_auth_password_hash = hash_secret(password) if password else ""
    if integration.basic_auth_username and not integration.basic_auth_password_hash:
        raise ApplicationError("Basic auth needs a password.", {"basic_auth_password": ["Required with a username."]})


@transaction.atomic
def integration_create(*, organization: Organization, name: str, kind: str, service: Service,
                       **options) -> tuple[Integration, str]:
    """Create an integration; return it and its routing key, which is never stored nor shown again."""
    if kind not in IntegrationKind.values:
        raise ApplicationError(f"Unknown kind '{kind}'.", {"kind": [f"One of: {', '.join(IntegrationKind.values)}."]})
    unknown = set(options) - CONFIG_FIELDS
    if unknown:
        raise ApplicationError("Unknown fields.", {name: ["Unknown field."] for name in sorted(unknown)})
    values = {"service": service, **options}
    _validate(organization, values)
    routing_key, key_hash = keys.new_routing_key()
    integration = Integration(organization=organization, name=name, kind=kind, routing_key_hash=key_hash,
                              routing_key_prefix=routing_key[:4])
    _apply(integration, values)
    integration.save()
    if kind == IntegrationKind.HEARTBEAT:
        Heartbeat.objects.create(organization=organization, integration=integration,
                                 due_at=timezone.now() + heartbeat_period(integration))
    logger.info("integration created", extra={"integration_id": integration.pk, "organization_id": organization.pk})
    return integration, routing_key


@transaction.atomic
def integration_update(*, integration: Integration, **changes) -> Integration:
    """Change settings (not the kind, not the key: see ``integration_rotate_key``)."""
    if "kind" in changes and changes.pop("kind") != integration.kind:
        raise ApplicationError("The kind of an integration cannot change.", {"kind": ["Create a new integration."]})
    unknown = set(changes) - CONFIG_FIELDS
    if unknown:
        raise ApplicationError("Unknown fields.", {name: ["Unknown field."] for name in sorted(unknown)})
    integration = Integration.objects.select_for_update().get(pk=integration.pk)
    _validate(integration.organization, changes)
    _apply(integration, changes)
    integration.save()
    if integration.kind == IntegrationKind.HEARTBEAT and {"heartbeat_interval_minutes",
                                                          "heartbeat_timeout_minutes"} & set(changes):
        base = integration.heartbeat.last_beat_at or timezone.now()
        Heartbeat.objects.filter(integration=integration).update(due_at=base + heartbeat_period(integration))
    _changed_on_commit([integration.pk])
    return integration


@transaction.atomic
def integration_rotate_key(*, integration: Integration) -> tuple[Integration, str]:
    """A new routing key; the old one stops working at once."""
    integration = Integration.objects.select_for_update().get(pk=integration.pk)
    routing_key, key_hash = keys.new_routing_key()
    integration.routing_key_hash = key_hash
    integration.routing_key_prefix = routing_key[:4]
    integration.key_rotated_at = timezone.now()
    integration.save(update_fields=["routing_key_hash", "routing_key_prefix", "key_rotated_at", "updated_at"])
    _changed_on_commit([integration.pk])
    logger.info("integration key rotated", extra={"integration_id": integration.pk})
    return integration, routing_key


@transaction.atomic
def integration_delete(*, integration: Integration) -> None:
    integration_id = integration.pk
    integration.delete()
    _changed_on_commit([integration_id])


def basic_auth_matches(integration: Integration, username: str, password: str) -> bool:
    return hmac.compare_digest(integration.basic_auth_username, username) and hmac.compare_digest(
        integration.basic_auth_password_hash, hash_secret(password))


def heartbeat_period(integration: Integration) -> timedelta:
    return timedelta(minutes=integration.heartbeat_interval_minutes + integration.heartbeat_timeout_minutes)


@transaction.atomic
def integration_sns_confirmed(*, integration: Integration, topic_arn: str) -> None:
    Integration.objects.filter(pk=integration.pk).update(sns_topic_arn=topic_arn[:300])


def _window_changed(service_id: int) -> None:
    _changed_on_commit(Integration.objects.filter(service_id=service_id).values_list("pk", flat=True))


def _validate_window(organization: Organization, values: dict) -> None:
    service = values["service"]
    if service.organization_id != organization.pk:
        raise ApplicationError("Unknown service.", {"service": ["Not a service of this organization."]})
    if values["ends_at"] <= values["starts_at"]:
        raise ApplicationError("A window ends after it starts.", {"ends_at": ["Must be after starts_at."]})


@transaction.atomic
def maintenance_window_create(*, organization: Organization, service: Service, starts_at, ends_at, reason: str = "",
                              created_by: User | None = None) -> MaintenanceWindow:
    """Alerts of ``service`` between start and end are stored but open no incident and page nobody."""
    values = {"service": service, "starts_at": starts_at, "ends_at": ends_at}
    _validate_window(organization, values)
    window = MaintenanceWindow.objects.create(organization=organization, reason=reason, created_by=created_by,
                                              **values)
    _window_changed(service.pk)
    return window


@transaction.atomic
def maintenance_window_update(*, window: MaintenanceWindow, **changes) -> MaintenanceWindow:
    window = MaintenanceWindow.objects.select_for_update().get(pk=window.pk)
    old_service = window.service_id
    values = {"service": window.service, "starts_at": window.starts_at, "ends_at": window.ends_at, **changes}
    _validate_window(window.organization, {key: values[key] for key in ("service", "starts_at", "ends_at")})
    for name, value in changes.items():
        setattr(window, name, value)
    if window.ends_at > timezone.now():
        window.end_recorded_at = None
    window.save()
    _window_changed(old_service)
    _window_changed(window.service_id)
    return window


@transaction.atomic
def maintenance_window_delete(*, window: MaintenanceWindow) -> None:
    service_id = window.service_id
    window.delete()
    _window_changed(service_id)
