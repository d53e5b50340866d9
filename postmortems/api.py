"""The postmortems REST API (thin: validation in serializers, every write through ``services``)."""

import json

from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, renderers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from postmortems import render, selectors, services
from postmortems.filters import ActionItemFilter, PostMortemFilter, TrainingRecordFilter
from postmortems.models import ActionItem, Drill, PostMortem, TrainingRecord
from postmortems.serializers import (
    ActionItemSerializer,
    ActionItemUpdateSerializer,
    ActionItemWriteSerializer,
    DrillCompleteSerializer,
    DrillSerializer,
    DrillUpdateSerializer,
    DrillWriteSerializer,
    MetricsQuerySerializer,
    MonthQuerySerializer,
    PostMortemCreateSerializer,
    PostMortemSerializer,
    PostMortemUpdateSerializer,
    ScheduleSerializer,
    TimelineEntrySerializer,
    TimelineSetSerializer,
    TrainingRecordSerializer,
    TrainingRecordUpdateSerializer,
    TrainingRecordWriteSerializer,
    WaiveSerializer,
    WhySerializer,
    WhysSetSerializer,
)
from postmortems.services.meeting import previous_month
from tenancy.api_base import (
    CONFIG_ACTIONS,
    CONFIGURE,
    INCIDENT_WORK,
    READ,
    OrganizationScopedAPIView,
    OrganizationScopedGenericViewSet,
)

WORK = INCIDENT_WORK


class MarkdownRenderer(renderers.BaseRenderer):
    """``?format=md`` (or Accept: text/markdown): a string as Markdown; errors stay JSON text."""

    media_type = "text/markdown"
    format = "md"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, str):
            return data.encode()
        return json.dumps(data, default=str).encode()


class _Writes:
    def _input(self, serializer_class, partial=False, data=None):
        serializer = serializer_class(data=self.request.data if data is None else data, partial=partial,
                                      context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _answer(self, obj, code=status.HTTP_200_OK):
        obj = self.get_base_queryset().get(pk=obj.pk)
        return Response(self.get_serializer(obj).data, status=code)


class PostMortemViewSet(_Writes, mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationScopedGenericViewSet):
    """Post-mortems (plan 7.1). P0/P1 incidents get one when resolved; POST opens one on request (P2/P3)."""

    queryset = PostMortem.objects.all()
    serializer_class = PostMortemSerializer
    filterset_class = PostMortemFilter
    ordering_fields = ["due_at", "created_at", "status"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    required_roles = {
        "list": READ, "retrieve": READ, "timeline": READ, "whys": READ,
        "create": WORK, "partial_update": WORK, "timeline_add": WORK, "timeline_replace": WORK,
        "whys_replace": WORK, "schedule": WORK, "waive": CONFIGURE,
    }

    def get_base_queryset(self):
        return selectors.postmortem_list()

    @extend_schema(request=PostMortemCreateSerializer, responses={201: PostMortemSerializer})
    def create(self, request, *args, **kwargs):
        incident = self._input(PostMortemCreateSerializer)["incident"]
        return self._answer(services.postmortem_open(incident=incident, actor=request.user), status.HTTP_201_CREATED)

    @extend_schema(request=PostMortemUpdateSerializer, responses=PostMortemSerializer)
    def partial_update(self, request, *args, **kwargs):
        postmortem = self.get_object()
        data = self._input(PostMortemUpdateSerializer, partial=True)
        return self._answer(services.postmortem_update(postmortem=postmortem, actor=request.user, **data))

    @extend_schema(responses=TimelineEntrySerializer(many=True))
    @action(detail=True, methods=["get"])
    def timeline(self, request, *args, **kwargs):
        """The timeline, oldest first; each entry says whether it was imported or added."""
        entries = self.get_object().timeline_entries.order_by("at", "id")
        return Response(TimelineEntrySerializer(entries, many=True).data)

    @extend_schema(request=TimelineEntrySerializer, responses={201: TimelineEntrySerializer})
    @timeline.mapping.post
    def timeline_add(self, request, *args, **kwargs):
        postmortem = self.get_object()
        data = self._input(TimelineEntrySerializer)
        entry = services.postmortem_timeline_add(postmortem=postmortem, at=data["at"], text=data["text"])
        return Response(TimelineEntrySerializer(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TimelineSetSerializer, responses=TimelineEntrySerializer(many=True))
    @timeline.mapping.put
    def timeline_replace(self, request, *args, **kwargs):
        postmortem = self.get_object()
        entries = self._input(TimelineSetSerializer)["entries"]
        result = services.postmortem_timeline_set(postmortem=postmortem, entries=[dict(entry) for entry in entries])
        return Response(TimelineEntrySerializer(result, many=True).data)

    @extend_schema(responses=WhySerializer(many=True))
    @action(detail=True, methods=["get"])
    def whys(self, request, *args, **kwargs):
        """The five-whys chain, in order."""
        return Response(WhySerializer(self.get_object().whys.order_by("position"), many=True).data)

    @extend_schema(request=WhysSetSerializer, responses=WhySerializer(many=True))
    @whys.mapping.put
    def whys_replace(self, request, *args, **kwargs):
        postmortem = self.get_object()
        whys = self._input(WhysSetSerializer)["whys"]
        result = services.postmortem_whys_set(postmortem=postmortem, whys=[dict(pair) for pair in whys])
        return Response(WhySerializer(result, many=True).data)

    @extend_schema(request=ScheduleSerializer, responses=PostMortemSerializer)
    @action(detail=True, methods=["post"])
    def schedule(self, request, *args, **kwargs):
        """Set the meeting; every attendee gets an invitation with an .ics."""
        postmortem = self.get_object()
        data = self._input(ScheduleSerializer)
        return self._answer(services.postmortem_schedule(postmortem=postmortem, actor=request.user, **data))

    @extend_schema(request=WaiveSerializer, responses=PostMortemSerializer)
    @action(detail=True, methods=["post"])
    def waive(self, request, *args, **kwargs):
        """Admins: let the incident close without a published post-mortem (the reason goes on the timeline)."""
        postmortem = self.get_object()
        data = self._input(WaiveSerializer)
        return self._answer(services.postmortem_waive(postmortem=postmortem, actor=request.user, **data))


class PostMortemExportView(OrganizationScopedAPIView):
    """GET the post-mortem as the plan's markdown template."""

    required_roles = {"get": READ}

    @extend_schema(responses={(200, "text/markdown"): OpenApiTypes.STR})
    def get(self, request, org_slug, pk):
        postmortem = selectors.postmortem_list().filter(organization=self.organization, pk=pk).first()
        if postmortem is None:
            return Response({"message": "Not found.", "errors": {}}, status=status.HTTP_404_NOT_FOUND)
        return HttpResponse(render.postmortem_markdown(postmortem), content_type="text/markdown; charset=utf-8")


class ActionItemViewSet(_Writes, mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationScopedGenericViewSet):
    """The action-item tracker: ?owner=<user id>&status=open&overdue=true&incident=<number>&postmortem=<id>."""

    queryset = ActionItem.objects.all()
    serializer_class = ActionItemSerializer
    filterset_class = ActionItemFilter
    ordering_fields = ["due_date", "created_at", "priority", "status"]
    ordering = ["due_date", "id"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    required_roles = {"list": READ, "retrieve": READ, "create": WORK, "partial_update": WORK,
                      "overdue_by_owner": CONFIGURE}

    def get_base_queryset(self):
        return selectors.action_item_list()

    @extend_schema(request=ActionItemWriteSerializer, responses={201: ActionItemSerializer})
    def create(self, request, *args, **kwargs):
        data = self._input(ActionItemWriteSerializer)
        return self._answer(services.action_item_create(organization=self.organization, **data),
                            status.HTTP_201_CREATED)

    @extend_schema(request=ActionItemUpdateSerializer, responses=ActionItemSerializer)
    def partial_update(self, request, *args, **kwargs):
        item = self.get_object()
        data = self._input(ActionItemUpdateSerializer, partial=True)
        return self._answer(services.action_item_update(item=item, **data))

    @extend_schema(responses=OpenApiTypes.OBJECT)
    @action(detail=False, methods=["get"], url_path="overdue-by-owner")
    def overdue_by_owner(self, request, *args, **kwargs):
        """Admins: open items past due, counted per owner."""
        return Response(selectors.overdue_by_owner(organization=self.organization))


class DrillViewSet(_Writes, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin,
                   OrganizationScopedGenericViewSet):
    """Drills (tabletop exercises). run/ opens the drill incident; complete/ records outcome and training."""

    queryset = Drill.objects.all()
    serializer_class = DrillSerializer
    ordering_fields = ["scheduled_at", "status"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    required_roles = {**CONFIG_ACTIONS, "run": WORK, "complete": WORK}

    def get_base_queryset(self):
        return selectors.drill_list()

    @extend_schema(request=DrillWriteSerializer, responses={201: DrillSerializer})
    def create(self, request, *args, **kwargs):
        data = self._input(DrillWriteSerializer)
        return self._answer(services.drill_create(organization=self.organization, **data), status.HTTP_201_CREATED)

    @extend_schema(request=DrillUpdateSerializer, responses=DrillSerializer)
    def partial_update(self, request, *args, **kwargs):
        drill = self.get_object()
        return self._answer(services.drill_update(drill=drill, **self._input(DrillUpdateSerializer, partial=True)))

    def perform_destroy(self, instance):
        services.object_delete(obj=instance)

    @extend_schema(request=None, responses=DrillSerializer)
    @action(detail=True, methods=["post"])
    def run(self, request, *args, **kwargs):
        return self._answer(services.drill_run(drill=self.get_object(), actor=request.user))

    @extend_schema(request=DrillCompleteSerializer, responses=DrillSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, *args, **kwargs):
        drill = self.get_object()
        return self._answer(services.drill_complete(drill=drill, **self._input(DrillCompleteSerializer)))


class TrainingRecordViewSet(_Writes, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin,
                            OrganizationScopedGenericViewSet):
    """Who completed which incident-response training, until when (?user=<id>)."""

    queryset = TrainingRecord.objects.all()
    serializer_class = TrainingRecordSerializer
    filterset_class = TrainingRecordFilter
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    required_roles = CONFIG_ACTIONS

    def get_base_queryset(self):
        return selectors.training_record_list()

    @extend_schema(request=TrainingRecordWriteSerializer, responses={201: TrainingRecordSerializer})
    def create(self, request, *args, **kwargs):
        data = self._input(TrainingRecordWriteSerializer)
        return self._answer(services.training_record_create(organization=self.organization, **data),
                            status.HTTP_201_CREATED)

    @extend_schema(request=TrainingRecordUpdateSerializer, responses=TrainingRecordSerializer)
    def partial_update(self, request, *args, **kwargs):
        record = self.get_object()
        data = self._input(TrainingRecordUpdateSerializer, partial=True)
        return self._answer(services.training_record_update(record=record, **data))

    def perform_destroy(self, instance):
        services.object_delete(obj=instance)


def _query(view, serializer_class) -> dict:
    serializer = serializer_class(data=view.request.query_params)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class MetricsView(OrganizationScopedAPIView):
    """MTTD/MTTR (the plan's definitions) beside MTTA, MTTM and times from impact start: mean, median, p90;
    counts, targets, root causes, mitigation effectiveness. Drills excluded."""

    required_roles = {"get": READ}

    @extend_schema(parameters=[MetricsQuerySerializer], responses=OpenApiTypes.OBJECT)
    def get(self, request, org_slug):
        return Response(selectors.metrics(organization=self.organization, **_query(self, MetricsQuerySerializer)))


class MonthlyReviewView(OrganizationScopedAPIView):
    """The plan's monthly review (8.2) of ?month=YYYY-MM (default: last month); ?format=md for Markdown."""

    required_roles = {"get": READ}
    renderer_classes = [renderers.JSONRenderer, MarkdownRenderer]

    @extend_schema(parameters=[MonthQuerySerializer, OpenApiParameter("format", str, enum=["json", "md"])],
                   responses=OpenApiTypes.OBJECT)
    def get(self, request, org_slug):
        month = _query(self, MonthQuerySerializer).get("month") or previous_month(timezone.localdate())
        review = selectors.monthly_review(organization=self.organization, month=month)
        if request.accepted_renderer.format == "md":
            return Response(render.review_markdown(review), content_type="text/markdown; charset=utf-8")
        return Response(review)


class ReadinessView(OrganizationScopedAPIView):
    """The plan's acceptance criteria (12), each pass/fail with what is missing, from live data."""

    required_roles = {"get": READ}

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, org_slug):
        return Response(selectors.readiness(organization=self.organization))
