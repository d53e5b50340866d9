"""What an organization configures: severities, services, root-cause categories and runbooks.

Used by the API and the admin alike. Names are unique within the organization (a 400 naming
the field, not the database's IntegrityError); foreign keys must point into the same
organization; an object incidents still use is not deleted (409)."""

from django.db import transaction
from django.db.models import Model, ProtectedError

from incidents.models import RootCauseCategory, Runbook, Service, Severity
from tenancy.errors import ApplicationError, ConflictError
from tenancy.models import Organization
from tenancy.writes import model_update

SEVERITY_FIELDS = ("name", "label", "rank", "description", "ack_sla", "update_interval", "war_room", "paging_channels")
SERVICE_FIELDS = ("name", "description", "escalation_policy", "owner_team", "war_room_url_template")
ROOT_CAUSE_CATEGORY_FIELDS = ("name", "description")
RUNBOOK_FIELDS = ("title", "symptoms", "triage_steps", "resolution", "escalation", "tags", "services")
UNIQUE_NAME = {Severity: "name", Service: "name", RootCauseCategory: "name"}


def _check_unique_name(model: type[Model], organization_id: int, data: dict, exclude_pk: int | None) -> None:
    field = UNIQUE_NAME.get(model)
    if field is None or field not in data:
        return
    others = model.objects.filter(organization_id=organization_id, **{field: data[field]})
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    if others.exists():
        message = f"This organization already has one named {data[field]!r}."
        raise ApplicationError(message, {field: [message]})


def _check_same_org(organization_id: int, data: dict) -> None:
    """Every object a write points at belongs to the writer's organization."""
    for name, value in data.items():
        related = value if isinstance(value, list | tuple) else [value]
        for obj in related:
            if isinstance(obj, Model) and getattr(obj, "organization_id", organization_id) != organization_id:
                raise ApplicationError(f"{name}: not an object of this organization.",
                                       {name: ["Not an object of this organization."]})


def _create(model: type[Model], fields: tuple[str, ...], organization: Organization, data: dict) -> Model:
    _check_unique_name(model, organization.pk, data, None)
    _check_same_org(organization.pk, data)
    plain = {name: value for name, value in data.items() if name in fields and name != "services"}
    obj = model(organization=organization, **plain)
    obj.full_clean()
    obj.save()
    if "services" in data and "services" in fields:
        obj.services.set(data["services"])
    return obj


def _update(obj: Model, fields: tuple[str, ...], data: dict) -> Model:
    locked = type(obj).objects.select_for_update().get(pk=obj.pk)
    _check_unique_name(type(obj), locked.organization_id, data, locked.pk)
    _check_same_org(locked.organization_id, data)
    model_update(instance=locked, fields=fields, data=data)
    return locked


def catalog_object_delete(*, obj) -> None:
    """Delete a severity, service, runbook or category; refuse (409) while incidents use it."""
    try:
        with transaction.atomic():
            obj.delete()
    except ProtectedError as exc:
        raise ConflictError(f"{obj} is used by incidents and cannot be deleted.",
                            {"non_field_errors": ["Still used by incidents or other objects."]}) from exc


@transaction.atomic
def severity_create(*, organization: Organization, **data) -> Severity:
    return _create(Severity, SEVERITY_FIELDS, organization, data)


@transaction.atomic
def severity_update(*, severity: Severity, **data) -> Severity:
    return _update(severity, SEVERITY_FIELDS, data)


def severity_delete(*, severity: Severity) -> None:
    catalog_object_delete(obj=severity)


@transaction.atomic
def service_create(*, organization: Organization, **data) -> Service:
    return _create(Service, SERVICE_FIELDS, organization, data)


@transaction.atomic
def service_update(*, service: Service, **data) -> Service:
    return _update(service, SERVICE_FIELDS, data)


def service_delete(*, service: Service) -> None:
    catalog_object_delete(obj=service)


@transaction.atomic
def root_cause_category_create(*, organization: Organization, **data) -> RootCauseCategory:
    return _create(RootCauseCategory, ROOT_CAUSE_CATEGORY_FIELDS, organization, data)


@transaction.atomic
def root_cause_category_update(*, category: RootCauseCategory, **data) -> RootCauseCategory:
    return _update(category, ROOT_CAUSE_CATEGORY_FIELDS, data)


def root_cause_category_delete(*, category: RootCauseCategory) -> None:
    catalog_object_delete(obj=category)


@transaction.atomic
def runbook_create(*, organization: Organization, **data) -> Runbook:
    return _create(Runbook, RUNBOOK_FIELDS, organization, data)


@transaction.atomic
def runbook_update(*, runbook: Runbook, **data) -> Runbook:
    return _update(runbook, RUNBOOK_FIELDS, data)


def runbook_delete(*, runbook: Runbook) -> None:
    catalog_object_delete(obj=runbook)
