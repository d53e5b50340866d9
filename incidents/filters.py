"""Query-string filters of the incident list: ?status=&severity=P1&service=&open=&is_drill=&detected_after=…"""

import json

import django_filters
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from incidents.enums import OPEN_STATUSES, IncidentStatus
from incidents.models import Incident, Runbook, Service, Severity


def _org_slug(request) -> str | None:
    context = getattr(request, "parser_context", None) or {}
    return (context.get("kwargs") or {}).get("org_slug")


def org_severities(request) -> QuerySet[Severity]:
    slug = _org_slug(request)
    return Severity.objects.filter(organization__slug=slug) if slug else Severity.objects.none()


def org_services(request) -> QuerySet[Service]:
    slug = _org_slug(request)
    return Service.objects.filter(organization__slug=slug) if slug else Service.objects.none()


TRUE_VALUES = ("true", "True", "1", "yes")
FALSE_VALUES = ("false", "False", "0", "no")


@extend_schema_field(OpenApiTypes.BOOL)
class StrictBooleanFilter(django_filters.TypedChoiceFilter):
    """true/false (1/0, yes/no); anything else is a 400 rather than silently ignored."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("choices", [(value, value) for value in (*TRUE_VALUES, *FALSE_VALUES)])
        kwargs.setdefault("coerce", lambda value: value in TRUE_VALUES)
        super().__init__(*args, **kwargs)


@extend_schema_field(OpenApiTypes.STR)
class SeverityNameFilter(django_filters.ModelMultipleChoiceFilter):
    """Severities of the URL's organization by name ("P1"); an unknown name is a 400."""


class IncidentFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(
        choices=[*IncidentStatus.choices, ("open", "Any open status"), ("closed", "Resolved or closed")],
        method="filter_status", help_text="A status (repeat for several); also open or closed.",
    )
    severity = SeverityNameFilter(
        field_name="severity__name", queryset=org_severities, to_field_name="name",
        help_text='Severity name, e.g. "P1" (repeat for several).',
    )
    service = django_filters.ModelMultipleChoiceFilter(queryset=org_services, help_text="Service id.")
    open = StrictBooleanFilter(method="filter_open", help_text="true: open incidents; false: resolved/closed.")
    state = django_filters.ChoiceFilter(choices=[("open", "Open"), ("closed", "Closed")], method="filter_state")
    is_drill = StrictBooleanFilter()
    drill = StrictBooleanFilter(field_name="is_drill", help_text="Same as is_drill.")
    detected_after = django_filters.DateTimeFilter(field_name="detected_at", lookup_expr="gte")
    detected_before = django_filters.DateTimeFilter(field_name="detected_at", lookup_expr="lt")
    since = django_filters.DateTimeFilter(field_name="detected_at", lookup_expr="gte",
                                          help_text="Same as detected_after.")
    until = django_filters.DateTimeFilter(field_name="detected_at", lookup_expr="lt",
                                          help_text="Same as detected_before.")

    class Meta:
        model = Incident
        fields = ["status", "severity", "service", "is_drill"]

    def filter_status(self, queryset, _name, values):
        if not values:
            return queryset
        statuses = set(values) - {"open", "closed"}
        if "open" in values:
            statuses |= set(OPEN_STATUSES)
        if "closed" in values:
            statuses |= {IncidentStatus.RESOLVED, IncidentStatus.CLOSED}
        return queryset.filter(status__in=statuses)

    def filter_open(self, queryset, _name, value):
        if value is None or value == "":
            return queryset
        return queryset.filter(status__in=OPEN_STATUSES) if value else queryset.exclude(status__in=OPEN_STATUSES)

    def filter_state(self, queryset, _name, value):
        return self.filter_open(queryset, _name, {"open": True, "closed": False}.get(value))


class RunbookFilter(django_filters.FilterSet):
    service = django_filters.ModelChoiceFilter(field_name="services", queryset=org_services,
                                               help_text="Runbooks of this service.")
    services = django_filters.ModelChoiceFilter(queryset=org_services, help_text="Same as service.")
    tag = django_filters.CharFilter(method="filter_tag", help_text="Runbooks carrying this tag.")

    class Meta:
        model = Runbook
        fields = ["service", "services", "tag"]

    def filter_tag(self, queryset, _name, value):
        # The JSON text contains "<tag>" (quotes included): portable to SQLite, unlike __contains.
        return queryset.filter(tags__icontains=json.dumps(value)) if value else queryset
