"""The page's configuration and its components."""

import logging
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.cache import cache
from django.db import transaction

from comms.statuspage.enums import ENDPOINTS, ComponentStatus
from comms.statuspage.models import StatusComponent, StatusPage
from incidents.models import Service
from tenancy.errors import ApplicationError
from tenancy.models import Organization

logger = logging.getLogger(__name__)
PAGE_FIELDS = {"enabled", "title", "description", "support_url", "time_zone", "history_days"}
COMPONENT_FIELDS = {"name", "description", "position", "group", "services", "only_show_if_degraded", "showcase",
                    "start_date", "status_override", "override_reason"}


def cache_key(org_slug: str, name: str) -> str:
    return f"statuspage:{org_slug}:{name}"


def public_cache_clear(organization: Organization) -> None:
    """Forget this process's cached public answers of the org (others expire within seconds)."""
    names = [*ENDPOINTS, "atom", "rss", "html"]
    cache.delete_many([cache_key(organization.slug, name) for name in names])


def _refuse_unknown(values: dict, allowed: set[str]) -> None:
    unknown = set(values) - allowed
    if unknown:
        raise ApplicationError("Unknown fields.", {name: ["Unknown field."] for name in sorted(unknown)})


@transaction.atomic
def status_page_update(*, organization: Organization, **changes) -> StatusPage:
    """Create or change the org's page (one per org). ``enabled`` publishes it at /status/<slug>/."""
    _refuse_unknown(changes, PAGE_FIELDS)
    if "time_zone" in changes:
        try:
            ZoneInfo(changes["time_zone"])
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ApplicationError("Unknown time zone.", {"time_zone": ["An IANA name, e.g. Europe/Berlin."]}) from exc
    if "history_days" in changes and not 1 <= int(changes["history_days"]) <= 365:
        raise ApplicationError("Bad history.", {"history_days": ["Between 1 and 365."]})
    page, _created = StatusPage.objects.select_for_update().get_or_create(organization=organization)
    for name, value in changes.items():
        setattr(page, name, value)
    page.save()
    transaction.on_commit(lambda: public_cache_clear(organization))
    logger.info("status page updated", extra={"organization_id": organization.pk, "enabled": page.enabled})
    return page


def _validate_component(organization: Organization, component: StatusComponent | None, values: dict) -> None:
    errors: dict[str, list[str]] = {}
    group = values.get("group")
    if group is not None:
        if group.organization_id != organization.pk:
            errors["group"] = ["Not a component of this organization."]
        elif group.group_id is not None or (component is not None and group.pk == component.pk):
            errors["group"] = ["A group is a top-level component, not itself nor a child."]
        elif component is not None and component.children.exists():
            errors["group"] = ["A group cannot be put in another group."]
    services = values.get("services")
    if services is not None and any(s.organization_id != organization.pk for s in services):
        errors["services"] = ["Only services of this organization."]
    override = values.get("status_override")
    if override and override not in ComponentStatus.values:
        errors["status_override"] = [f"One of: {', '.join(ComponentStatus.values)}."]
    if errors:
        raise ApplicationError(next(iter(errors.values()))[0], errors)


def _apply(component: StatusComponent, values: dict) -> None:
    services = values.pop("services", None)
    for name, value in values.items():
        setattr(component, name, value)
    if not component.status_override:
        component.override_reason = ""
    component.save()
    if services is not None:
        component.services.set(services)


@transaction.atomic
def component_create(*, organization: Organization, name: str, services: list[Service] | None = None,
                     **values) -> StatusComponent:
    _refuse_unknown(values, COMPONENT_FIELDS)
    values = {**values, "services": list(services or [])}
    _validate_component(organization, None, values)
    component = StatusComponent(organization=organization, name=name)
    _apply(component, values)
    transaction.on_commit(lambda: public_cache_clear(organization))
    return component


@transaction.atomic
def component_update(*, component: StatusComponent, **changes) -> StatusComponent:
    """Change a component; a manual ``status_override`` (with a reason) wins over the derived status."""
    _refuse_unknown(changes, COMPONENT_FIELDS)
    component = StatusComponent.objects.select_for_update().get(pk=component.pk)
    _validate_component(component.organization, component, changes)
    _apply(component, dict(changes))
    organization = component.organization
    transaction.on_commit(lambda: public_cache_clear(organization))
    return component


@transaction.atomic
def component_delete(*, component: StatusComponent) -> None:
    organization = component.organization
    component.delete()
    transaction.on_commit(lambda: public_cache_clear(organization))
