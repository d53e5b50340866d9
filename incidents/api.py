"""The incidents REST API (thin: validation in serializers, every write through ``services``)."""

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from incidents import selectors, services
from incidents.enums import ChecklistKind
from incidents.filters import IncidentFilter, RunbookFilter
from incidents.models import Incident, RootCauseCategory, Runbook, Service, Severity
from incidents.serializers import (
    ActionSerializer,
    ChecklistItemSerializer,
    ChecklistSerializer,
    ChecklistUpdateSerializer,
    IncidentCreateSerializer,
    IncidentDetailSerializer,
    IncidentSerializer,
    IncidentUpdateSerializer,
    NoteSerializer,
    ParticipantCreateSerializer,
    ParticipantSerializer,
    ResolveSerializer,
    RootCauseCategorySerializer,
    RunbookSerializer,
    ServiceSerializer,
    SeveritySerializer,
    TimelineEventSerializer,
    TransitionSerializer,
)
from tenancy.api_base import (
    CONFIG_ACTIONS,
    INCIDENT_WORK,
    READ,
    OrganizationScopedGenericViewSet,
    OrganizationScopedServiceViewSet,
    ServiceCreateMixin,
    ServiceUpdateMixin,
)
from tenancy.errors import ApplicationError


class CatalogViewSet(OrganizationScopedServiceViewSet):
    """Organization configuration: everyone reads, admins write (through ``incidents.services``'
    catalog services). In-use objects are not deleted (409)."""

    required_roles = CONFIG_ACTIONS
    # The catalog services of the model, and the keyword the update/delete services take.
    create_service = update_service = delete_service = None
    instance_keyword = ""

    def service_create(self, data):
        return self.create_service(organization=self.organization, **data)

    def service_update(self, instance, data, partial):
        return self.update_service(**{self.instance_keyword: instance}, **data)

    def service_delete(self, instance):
        self.delete_service(**{self.instance_keyword: instance})


class SeverityViewSet(CatalogViewSet):
    """Severity levels (P0 to P3 seeded from the plan): acknowledgement SLA, update cadence, channels."""

    queryset = Severity.objects.all()
    serializer_class = SeveritySerializer
    ordering_fields = ["rank", "name"]

    create_service = staticmethod(services.severity_create)
    update_service = staticmethod(services.severity_update)
    delete_service = staticmethod(services.severity_delete)
    instance_keyword = "severity"

    def get_base_queryset(self) -> QuerySet:
        return selectors.severity_list(organization=self.organization)


class ServiceViewSet(CatalogViewSet):
    """What breaks (API, workers, database…) and the escalation policy that is paged for it."""

    queryset = Service.objects.all()
    serializer_class = ServiceSerializer
    ordering_fields = ["name"]

    create_service = staticmethod(services.service_create)
    update_service = staticmethod(services.service_update)
    delete_service = staticmethod(services.service_delete)
    instance_keyword = "service"

    def get_base_queryset(self) -> QuerySet:
        return selectors.service_list(organization=self.organization)


class RootCauseCategoryViewSet(CatalogViewSet):
    """The organization's root-cause buckets (for "most common root causes")."""

    queryset = RootCauseCategory.objects.all()
    serializer_class = RootCauseCategorySerializer
    ordering_fields = ["name"]

    create_service = staticmethod(services.root_cause_category_create)
    update_service = staticmethod(services.root_cause_category_update)
    delete_service = staticmethod(services.root_cause_category_delete)
    instance_keyword = "category"

    def get_base_queryset(self) -> QuerySet:
        return selectors.root_cause_category_list(organization=self.organization)


class RunbookViewSet(CatalogViewSet):
    """Runbooks (the plan's 10.1 template). Filter with ?service=<id> or ?tag=<tag>."""

    queryset = Runbook.objects.all()
    serializer_class = RunbookSerializer
    ordering_fields = ["title", "updated_at"]
    filterset_class = RunbookFilter

    create_service = staticmethod(services.runbook_create)
    update_service = staticmethod(services.runbook_update)
    delete_service = staticmethod(services.runbook_delete)
    instance_keyword = "runbook"

    def get_base_queryset(self) -> QuerySet:
        return selectors.runbook_list(organization=self.organization)


WORK = INCIDENT_WORK


@extend_schema_view(
    create=extend_schema(request=IncidentCreateSerializer, responses={201: IncidentSerializer}),
    partial_update=extend_schema(request=IncidentUpdateSerializer, responses=IncidentSerializer),
)
class IncidentViewSet(ServiceCreateMixin, ServiceUpdateMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                      OrganizationScopedGenericViewSet):
    """Incidents, looked up by their per-organization number. Responders work them; viewers read."""

    queryset = Incident.objects.all()
    serializer_class = IncidentSerializer
    lookup_field = "number"
    lookup_value_regex = "[0-9]+"
    filterset_class = IncidentFilter
    ordering_fields = ["number", "detected_at", "severity__rank", "status", "resolved_at", "updated_at"]
    ordering = ["-number"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    required_roles = {
        "list": READ, "retrieve": READ, "metadata": READ, "timeline": READ, "participants": READ, "checklist": READ,
        "create": WORK, "partial_update": WORK, "acknowledge": WORK, "transition": WORK, "resolve": WORK,
        "notes": WORK, "actions": WORK, "add_participant": WORK, "update_checklist": WORK,
    }

    def get_base_queryset(self) -> QuerySet:
        return selectors.incident_list(organization=self.organization)

    def get_serializer_class(self):
        return IncidentDetailSerializer if self.action == "retrieve" else IncidentSerializer

    def _answer(self, incident: Incident, code: int = status.HTTP_200_OK) -> Response:
        incident = selectors.incident_list(organization=self.organization).get(pk=incident.pk)
        return Response(IncidentSerializer(incident, context=self.get_serializer_context()).data, status=code)

    def _input(self, serializer_class, data=None):
        serializer = serializer_class(data=self.request.data if data is None else data,
                                      context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def get_write_serializer_class(self):
        return IncidentCreateSerializer if self.action == "create" else IncidentUpdateSerializer

    def written_response(self, obj, code=status.HTTP_200_OK, extra=None):
        return self._answer(obj, code)

    def service_create(self, data):
        return services.incident_create(organization=self.organization, actor=self.request.user, source="api", **data)

    def service_update(self, instance, data, partial):
        return services.incident_update(incident=instance, actor=self.request.user, **data)

    @extend_schema(request=None, responses=IncidentSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, *args, **kwargs):
        """Acknowledge (stops paging). A no-op once past triggered; never takes command from the commander."""
        incident = services.incident_acknowledge(incident=self.get_object(), actor=request.user, via="api")
        return self._answer(incident)

    @extend_schema(request=TransitionSerializer,
                   responses={200: IncidentSerializer, 409: OpenApiResponse(description="Illegal move.")})
    @action(detail=True, methods=["post"])
    def transition(self, request, *args, **kwargs):
        """Move along the state machine; 409 names the allowed statuses."""
        incident = self.get_object()
        data = self._input(TransitionSerializer)
        incident = services.incident_transition(incident=incident, actor=request.user, **data)
        return self._answer(incident)

    @extend_schema(request=ResolveSerializer,
                   responses={200: IncidentSerializer, 409: OpenApiResponse(description="Checklist incomplete.")})
    @action(detail=True, methods=["post"])
    def resolve(self, request, *args, **kwargs):
        """Resolve: needs the verification checklist complete, or an override_reason."""
        incident = self.get_object()
        data = self._input(ResolveSerializer)
        incident = services.incident_resolve(incident=incident, actor=request.user, **data)
        return self._answer(incident)

    @extend_schema(request=NoteSerializer, responses={201: TimelineEventSerializer})
    @action(detail=True, methods=["post"])
    def notes(self, request, *args, **kwargs):
        incident = self.get_object()
        data = self._input(NoteSerializer)
        event = services.incident_note_add(incident=incident, actor=request.user, text=data["text"])
        return Response(TimelineEventSerializer(event).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ActionSerializer, responses={201: TimelineEventSerializer})
    @action(detail=True, methods=["post"])
    def actions(self, request, *args, **kwargs):
        """Record a containment action taken: rollback, feature flag, scale…"""
        incident = self.get_object()
        data = self._input(ActionSerializer)
        event = services.incident_action_record(incident=incident, actor=request.user, **data)
        return Response(TimelineEventSerializer(event).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=ParticipantSerializer(many=True))
    @action(detail=True, methods=["get"])
    def participants(self, request, *args, **kwargs):
        """The war-room roster."""
        incident = self.get_object()
        page = self.paginate_queryset(selectors.participants_for_incident(incident=incident))
        return self.get_paginated_response(ParticipantSerializer(page, many=True).data)

    @extend_schema(request=ParticipantCreateSerializer, responses={201: ParticipantSerializer})
    @participants.mapping.post
    def add_participant(self, request, *args, **kwargs):
        incident = self.get_object()
        data = self._input(ParticipantCreateSerializer)
        participant = services.participant_add(incident=incident, actor=request.user, **data)
        return Response(ParticipantSerializer(participant).data, status=status.HTTP_201_CREATED)

    def _checklist(self, incident: Incident) -> Response:
        items = list(selectors.checklist_for_incident(incident=incident))
        triage = [item for item in items if item.checklist == ChecklistKind.TRIAGE]
        verification = [item for item in items if item.checklist == ChecklistKind.VERIFICATION]
        return Response({
            "triage": ChecklistItemSerializer(triage, many=True).data,
            "verification": ChecklistItemSerializer(verification, many=True).data,
            "triage_complete": all(item.done for item in triage),
            "verification_complete": all(item.done for item in verification),
        })

    @extend_schema(request=None, responses=ChecklistSerializer)
    @action(detail=True, methods=["get"])
    def checklist(self, request, *args, **kwargs):
        """The triage (4.2) and verification (6.2) checklists."""
        return self._checklist(self.get_object())

    @extend_schema(request=ChecklistUpdateSerializer, responses=ChecklistSerializer)
    @checklist.mapping.patch
    def update_checklist(self, request, *args, **kwargs):
        """Tick or untick items: {"items": [{"key": "health_checks", "done": true}]}."""
        incident = self.get_object()
        data = self._input(ChecklistUpdateSerializer)
        changes = self._checklist_changes(incident, data["items"])
        services.incident_checklist_update(incident=incident, actor=request.user, changes=changes)
        return self._checklist(incident)

    @staticmethod
    def _checklist_changes(incident: Incident, items: list[dict]) -> list[dict]:
        keys_by_id = dict(incident.checklist_items.values_list("id", "key"))
        changes = []
        for item in items:
            key = item.get("key") or keys_by_id.get(item.get("id"))
            if key is None:
                message = f"Unknown checklist item {item.get('id')}."
                raise ApplicationError(message, {"items": [message]})
            changes.append({"key": key, "done": item["done"]})
        return changes

    @extend_schema(request=None, responses=TimelineEventSerializer(many=True))
    @action(detail=True, methods=["get"])
    def timeline(self, request, *args, **kwargs):
        """Everything that happened, oldest first."""
        incident = self.get_object()
        page = self.paginate_queryset(selectors.timeline_for_incident(incident=incident))
        return self.get_paginated_response(TimelineEventSerializer(page, many=True).data)
