"""The on-call API: schedules (nested layers), overrides, who is on call, shifts, gaps,
escalation policies, responder groups, iCal feeds and handoff preferences.

Admins configure; every member reads; responders may also manage overrides (people cover
each other's shifts). Views are thin: they validate, call a service or a selector, render.
"""

import zoneinfo
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from oncall import selectors, services
from oncall.models import EscalationPolicy, EscalationStep, Layer, Override, ResponderGroup, Schedule
from oncall.serializers import (
    EscalationPolicySerializer,
    EscalationPolicyWriteSerializer,
    ICalFeedCreatedSerializer,
    OncallPreferenceSerializer,
    OverrideSerializer,
    ResponderGroupSerializer,
    ResponderGroupWriteSerializer,
    ScheduleSerializer,
    ScheduleWriteSerializer,
    user_summary,
)
from tenancy.api_base import (
    CONFIG_ACTIONS,
    READ,
    WORK_ACTIONS,
    OrganizationScopedAPIView,
    OrganizationScopedServiceViewSet,
    ParentLookup,
)
from tenancy.errors import ApplicationError

MAX_WINDOW = timedelta(days=366)
DEFAULT_WINDOW = timedelta(days=7)
ID_REGEX = r"\d+"
MIN_YEAR, MAX_YEAR = 1970, 2200
WINDOW_PARAMS = [
    OpenApiParameter("since", str, description="ISO 8601 (default now); without offset: the schedule's zone."),
    OpenApiParameter("until", str, description="ISO 8601 (default since + 7 days); at most 366 days after since."),
]


def parse_instant(params, name: str, zone: zoneinfo.ZoneInfo, default: datetime) -> datetime:
    """An ISO 8601 query parameter as an aware instant, or a 400 naming it."""
    raw = params.get(name)
    if raw in (None, ""):
        return default
    text = raw.strip()
    if "T" in text and " " in text:
        text = text.replace(" ", "+")  # an unescaped "+" of an offset arrives as a space
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ApplicationError(f"{name}: not an ISO 8601 date-time.",
                               {name: ["Not an ISO 8601 date-time, e.g. 2025-03-09T09:00:00Z."]}) from None
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ApplicationError(f"{name}: out of range.", {name: [f"The year must be {MIN_YEAR} to {MAX_YEAR}."]})
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC)


def output_zone(params, default: str) -> zoneinfo.ZoneInfo:
    name = params.get("time_zone") or default
    if name not in zoneinfo.available_timezones():
        raise ApplicationError("time_zone: unknown time zone.", {"time_zone": [f"'{name}' is not a known time zone."]})
    return zoneinfo.ZoneInfo(name)


def parse_window(params, zone: zoneinfo.ZoneInfo) -> tuple[datetime, datetime]:
    since = parse_instant(params, "since", zone, timezone.now())
    until = parse_instant(params, "until", zone, since + DEFAULT_WINDOW)
    if until <= since:
        raise ApplicationError("until must be after since.", {"until": ["Must be after since."]})
    if until - since > MAX_WINDOW:
        raise ApplicationError("The window is at most 366 days.", {"until": ["At most 366 days after since."]})
    return since, until


def _iso(value: datetime, zone: zoneinfo.ZoneInfo) -> str:
    return value.astimezone(zone).isoformat()


def feed_url(request, secret: str) -> str:
    path = reverse("oncall-ical-feed", kwargs={"token": secret})
    return f"{settings.FOGHORN_BASE_URL}{path}" if settings.FOGHORN_BASE_URL else request.build_absolute_uri(path)


def _users_of(schedules) -> dict:
    ids = {pk for schedule in schedules for layer in schedule.layers.all() for version in layer.versions.all()
           for pk in version.participants}
    return selectors.users_by_id(ids)


@extend_schema_view(
    create=extend_schema(request=ScheduleWriteSerializer, responses={201: ScheduleSerializer}),
    update=extend_schema(request=ScheduleWriteSerializer, responses=ScheduleSerializer),
    partial_update=extend_schema(request=ScheduleWriteSerializer, responses=ScheduleSerializer),
)
class ScheduleViewSet(OrganizationScopedServiceViewSet):
    """Schedules with their layers (nested). Rotation changes become versions from ``effective_from``."""

    queryset = Schedule.objects.all()
    serializer_class = ScheduleSerializer
    write_serializer_class = ScheduleWriteSerializer
    lookup_value_regex = ID_REGEX
    required_roles = {**CONFIG_ACTIONS, "oncall": READ, "shifts": READ, "gaps": READ, "ical_feed": READ}

    def get_base_queryset(self):
        return Schedule.objects.prefetch_related(
            Prefetch("layers", queryset=Layer.objects.prefetch_related("versions"))).order_by("name", "id")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["users_by_id"] = getattr(self, "_users_by_id", {})
        return context

    def _render(self, schedules, many=False):
        self._users_by_id = _users_of(schedules)
        return self.get_serializer(schedules, many=many).data

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self._render(page, many=True))

    def retrieve(self, request, *args, **kwargs):
        return Response(self._render_one(self.get_object()))

    def _render_one(self, schedule):
        self._users_by_id = _users_of([schedule])
        return self.get_serializer(schedule).data

    def written_response(self, obj, code=status.HTTP_200_OK, extra=None):
        return Response(self._render_one(self.get_base_queryset().get(pk=obj.pk)), status=code)

    def service_create(self, data):
        data.pop("effective_from", None)
        return services.schedule_create(organization=self.organization, **data)

    def service_update(self, instance, data, partial):
        return services.schedule_update(schedule=instance, **data)

    def service_delete(self, instance):
        services.schedule_delete(schedule=instance)

    def _zone(self, schedule):
        return output_zone(self.request.query_params, schedule.time_zone)

    @extend_schema(parameters=[OpenApiParameter("at", str, description="ISO 8601 instant (default now).")])
    @action(detail=True, methods=["get"])
    def oncall(self, request, *args, **kwargs):
        """Who is on call at ``at`` (default now)."""
        schedule = self.get_object()
        zone = self._zone(schedule)
        at = parse_instant(request.query_params, "at", zone, timezone.now())
        users, source = selectors.on_call_at(schedule, at)
        return Response({"at": _iso(at, zone), "users": [user_summary(u) for u in users],
                         "source": source.as_dict() if source else None})

    @extend_schema(parameters=[*WINDOW_PARAMS, OpenApiParameter("overflow", bool)])
    @action(detail=True, methods=["get"])
    def shifts(self, request, *args, **kwargs):
        """Final shifts (overrides included), ordered, gaps omitted; clipped unless ``overflow=true``."""
        schedule = self.get_object()
        zone = self._zone(schedule)
        since, until = parse_window(request.query_params, zone)
        overflow = request.query_params.get("overflow", "").lower() in {"1", "true", "yes"}
        pieces = selectors.shifts(schedule, since, until, overflow=overflow)
        return Response([
            {"user": user_summary(p.user), "start": _iso(p.start, zone), "end": _iso(p.end, zone),
             "source": p.source.as_dict()}
            for p in pieces
        ])

    @extend_schema(parameters=WINDOW_PARAMS)
    @action(detail=True, methods=["get"])
    def gaps(self, request, *args, **kwargs):
        """The spans of the window where nobody is on call."""
        schedule = self.get_object()
        zone = self._zone(schedule)
        since, until = parse_window(request.query_params, zone)
        return Response([{"start": _iso(start, zone), "end": _iso(end, zone)}
                         for start, end in selectors.gaps(schedule, since, until)])

    @extend_schema(request=None, responses={201: ICalFeedCreatedSerializer})
    @action(detail=True, methods=["post", "delete"], url_path="ical-feed", url_name="ical-feed")
    def ical_feed(self, request, *args, **kwargs):
        """POST: create (or rotate) the caller's secret feed of this schedule; DELETE: revoke it."""
        schedule = self.get_object()
        if request.method == "DELETE":
            services.ical_feed_revoke(organization=self.organization, schedule=schedule, user=request.user)
            return Response(status=status.HTTP_204_NO_CONTENT)
        feed, secret = services.ical_feed_rotate(organization=self.organization, created_by=request.user,
                                                 schedule=schedule)
        context = {"secret": secret, "url": feed_url(request, secret)}
        return Response(ICalFeedCreatedSerializer(feed, context=context).data, status=status.HTTP_201_CREATED)


class OverrideViewSet(OrganizationScopedServiceViewSet):
    """Overrides of one schedule (``schedules/<schedule_pk>/overrides/``); responders may cover shifts."""

    queryset = Override.objects.all()
    serializer_class = OverrideSerializer
    lookup_value_regex = ID_REGEX
    required_roles = WORK_ACTIONS
    parent_lookup = ParentLookup("schedule_pk", Schedule, name="schedule")
    schedule: Schedule

    def get_base_queryset(self):
        return Override.objects.select_related("user", "replaces_user", "created_by").order_by("start", "id")

    def service_create(self, data):
        return services.override_create(schedule=self.schedule, created_by=self.request.user, **data)

    def service_update(self, instance, data, partial):
        return services.override_update(override=instance, **data)

    def service_delete(self, instance):
        services.override_delete(override=instance)


@extend_schema_view(
    create=extend_schema(request=EscalationPolicyWriteSerializer, responses={201: EscalationPolicySerializer}),
    update=extend_schema(request=EscalationPolicyWriteSerializer, responses=EscalationPolicySerializer),
    partial_update=extend_schema(request=EscalationPolicyWriteSerializer, responses=EscalationPolicySerializer),
)
class EscalationPolicyViewSet(OrganizationScopedServiceViewSet):
    """Escalation policies with their ordered steps (nested; a write replaces the steps)."""

    queryset = EscalationPolicy.objects.all()
    serializer_class = EscalationPolicySerializer
    write_serializer_class = EscalationPolicyWriteSerializer
    lookup_value_regex = ID_REGEX
    required_roles = CONFIG_ACTIONS

    def get_base_queryset(self):
        steps = EscalationStep.objects.prefetch_related("users", "schedules", "groups")
        return EscalationPolicy.objects.prefetch_related(Prefetch("steps", queryset=steps)).order_by("name", "id")

    def written_response(self, obj, code=status.HTTP_200_OK, extra=None):
        return Response(EscalationPolicySerializer(self.get_base_queryset().get(pk=obj.pk)).data, status=code)

    def service_create(self, data):
        if not data.get("steps"):
            raise ApplicationError("A policy needs at least one step.", {"steps": ["Give at least one step."]})
        return services.escalation_policy_create(organization=self.organization, steps=data.pop("steps", []), **data)

    def service_update(self, instance, data, partial):
        if "steps" in data and not data["steps"]:
            raise ApplicationError("A policy needs at least one step.", {"steps": ["Give at least one step."]})
        return services.escalation_policy_update(policy=instance, **data)

    def service_delete(self, instance):
        services.escalation_policy_delete(policy=instance)


@extend_schema_view(
    create=extend_schema(request=ResponderGroupWriteSerializer, responses={201: ResponderGroupSerializer}),
    update=extend_schema(request=ResponderGroupWriteSerializer, responses=ResponderGroupSerializer),
    partial_update=extend_schema(request=ResponderGroupWriteSerializer, responses=ResponderGroupSerializer),
)
class ResponderGroupViewSet(OrganizationScopedServiceViewSet):
    """Named roles such as "Engineering manager" or "CTO" that escalation steps can page."""

    queryset = ResponderGroup.objects.all()
    serializer_class = ResponderGroupSerializer
    write_serializer_class = ResponderGroupWriteSerializer
    lookup_value_regex = ID_REGEX
    required_roles = CONFIG_ACTIONS

    def get_base_queryset(self):
        return ResponderGroup.objects.prefetch_related("members").order_by("name", "id")

    def written_response(self, obj, code=status.HTTP_200_OK, extra=None):
        return Response(ResponderGroupSerializer(self.get_base_queryset().get(pk=obj.pk)).data, status=code)

    def service_create(self, data):
        return services.responder_group_create(organization=self.organization, **data)

    def service_update(self, instance, data, partial):
        return services.responder_group_update(group=instance, **data)

    def service_delete(self, instance):
        services.responder_group_delete(group=instance)


class OncallNowView(OrganizationScopedAPIView):
    """Who is on call at ``at`` (default now) on every schedule of the org: the "who do I call" page."""

    required_roles = {"get": READ}

    @extend_schema(parameters=[OpenApiParameter("at", str)], responses={200: dict})
    def get(self, request, *args, **kwargs):
        zone = output_zone(request.query_params, self.organization.time_zone)
        at = parse_instant(request.query_params, "at", zone, timezone.now())
        return Response([
            {"schedule": {"id": row.schedule_id, "name": row.schedule_name, "time_zone": row.time_zone},
             "at": _iso(at, zone), "users": [user_summary(u) for u in row.users],
             "source": row.source.as_dict() if row.source else None}
            for row in selectors.oncall_now(organization=self.organization, at=at)
        ])


class MyICalFeedView(OrganizationScopedAPIView):
    """The caller's own feed of their shifts on every schedule of the org: POST creates/rotates, DELETE revokes."""

    required_roles = {"post": READ, "delete": READ}

    @extend_schema(request=None, responses={201: ICalFeedCreatedSerializer})
    def post(self, request, *args, **kwargs):
        feed, secret = services.ical_feed_rotate(organization=self.organization, created_by=request.user,
                                                 user=request.user)
        context = {"secret": secret, "url": feed_url(request, secret)}
        return Response(ICalFeedCreatedSerializer(feed, context=context).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, *args, **kwargs):
        services.ical_feed_revoke(organization=self.organization, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class OncallPreferenceView(OrganizationScopedAPIView):
    """The caller's handoff notice settings in this org (lead time 15 minutes to 7 days, default 1 hour)."""

    required_roles = {"get": READ, "put": READ, "patch": READ}

    def _current(self):
        return selectors.oncall_preference_get(organization=self.organization, user=self.request.user)

    @extend_schema(responses=OncallPreferenceSerializer)
    def get(self, request, *args, **kwargs):
        return Response(OncallPreferenceSerializer(self._current()).data)

    @extend_schema(request=OncallPreferenceSerializer, responses=OncallPreferenceSerializer)
    def put(self, request, *args, **kwargs):
        data = OncallPreferenceSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        preference = services.oncall_preference_update(organization=self.organization, user=request.user,
                                                       **data.validated_data)
        return Response(OncallPreferenceSerializer(preference).data)

    patch = put
