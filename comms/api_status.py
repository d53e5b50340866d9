"""The REST API of status updates, message templates, affected users and their email (issue 12).
Thin: every write goes through ``comms.services``."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import BaseParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from comms import conf, templating
from comms.api import INCIDENT_PARENT
from comms.enums import TemplateKind
from comms.models import AffectedUser, EmailCampaign, MessageTemplate, StatusUpdate
from comms.serializers_status import (
    AffectedUserSerializer,
    AffectedUsersImportSerializer,
    CampaignCreateSerializer,
    CampaignSerializer,
    DraftQuerySerializer,
    MessageTemplateSerializer,
    StatusUpdateCreateSerializer,
    StatusUpdateDraftSerializer,
    StatusUpdateSerializer,
)
from comms.services import affected, cadence, campaigns, templates
from comms.services import status as status_services
from incidents.models import Incident
from tenancy.api_base import (
    CONFIG_ACTIONS,
    INCIDENT_WORK,
    READ,
    OrganizationScopedAPIView,
    OrganizationScopedGenericViewSet,
    ParentLookup,
)
from tenancy.errors import ApplicationError


def _validated(serializer_class, data, context=None) -> dict:
    serializer = serializer_class(data=data, context=context or {})
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class IncidentStatusUpdateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                                  OrganizationScopedGenericViewSet):
    """The incident's status updates (plan 5.3, 6.3): internal (chat #incidents), public (status page) and
    the closure message. ``draft/?audience=`` fills one from the incident and the audience's template."""

    queryset = StatusUpdate.objects.all()
    parent_lookup = INCIDENT_PARENT
    serializer_class = StatusUpdateSerializer
    required_roles = {"list": READ, "retrieve": READ, "create": INCIDENT_WORK, "draft": READ}
    filterset_fields = ["audience", "status"]

    def get_base_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return StatusUpdate.objects.none()
        return (StatusUpdate.objects.filter(incident=self.incident)
                .select_related("incident", "commander", "posted_by").order_by("posted_at", "id"))

    @extend_schema(request=StatusUpdateCreateSerializer, responses={201: StatusUpdateSerializer})
    def create(self, request, *args, **kwargs):
        incident = self.incident
        data = dict(_validated(StatusUpdateCreateSerializer, request.data))
        remind_drill = data.pop("remind_drill", None)
        update = status_services.status_update_post(incident=incident, posted_by=request.user, **data)
        if remind_drill is not None and incident.is_drill:
            cadence.cadence_drill_reminders_set(incident=incident, enabled=remind_drill)
        return Response(StatusUpdateSerializer(update).data, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[OpenApiParameter("audience", str, enum=["internal", "public", "closure"],
                                                required=True)], responses=StatusUpdateDraftSerializer)
    @action(detail=False, methods=["get"])
    def draft(self, request, *args, **kwargs):
        incident = self.incident
        audience = _validated(DraftQuerySerializer, request.query_params)["audience"]
        draft = status_services.status_update_draft(incident=incident, audience=audience)
        return Response(StatusUpdateDraftSerializer(draft).data)


class MessageTemplateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin,
                             OrganizationScopedGenericViewSet):
    """The org's edits of the plan's message templates (sandboxed Django templates). A kind without a row
    uses the plan's text (``defaults/`` lists them with their variables). Deleting restores the default."""

    queryset = MessageTemplate.objects.all()
    serializer_class = MessageTemplateSerializer
    required_roles = {**CONFIG_ACTIONS, "defaults": READ}

    def get_base_queryset(self):
        return MessageTemplate.objects.select_related("updated_by").order_by("kind")

    def create(self, request, *args, **kwargs):
        data = _validated(MessageTemplateSerializer, request.data)
        existed = MessageTemplate.objects.filter(organization=self.organization, kind=data["kind"]).exists()
        row = templates.message_template_save(organization=self.organization, updated_by=request.user, **data)
        return Response(MessageTemplateSerializer(row).data,
                        status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        row = self.get_object()
        serializer = MessageTemplateSerializer(row, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        data = {"kind": row.kind, "subject": row.subject, "body": row.body, **serializer.validated_data}
        row = templates.message_template_save(organization=self.organization, updated_by=request.user,
                                              template=row, **data)
        return Response(MessageTemplateSerializer(row).data)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    def perform_destroy(self, instance):
        templates.message_template_reset(template=instance)

    @action(detail=False, methods=["get"])
    def defaults(self, request, *args, **kwargs):
        """Each kind: the plan's text, the org's current text and the variables it may use."""
        out = []
        for kind, label in TemplateKind.choices:
            subject, body = templating.DEFAULTS[kind]
            current_subject, current_body = templates.template_source(organization=self.organization, kind=kind)
            out.append({"kind": kind, "label": label, "default_subject": subject, "default_body": body,
                        "subject": current_subject, "body": current_body, "variables": templating.VARIABLES[kind]})
        return Response(out)


class CsvParser(BaseParser):
    """A ``text/csv`` body, handed over as bytes (decoded and checked by ``comms.services.affected``)."""

    media_type = "text/csv"

    def parse(self, stream, media_type=None, parser_context=None):
        return stream.read() if stream is not None else b""


def _check_size(request) -> None:
    limit = conf.affected_users_max_upload_bytes()
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit:
        raise ApplicationError(f"The upload is larger than {limit // (1024 * 1024)} MB.",
                               {"file": [f"At most {limit} bytes; split the list into several uploads."]},
                               status_code=413)


def _parsed(request) -> affected.Parsed:
    if isinstance(request.data, bytes):
        return affected.parse_csv(affected.decode_csv(request.data))
    upload = request.FILES.get("file") if hasattr(request, "FILES") else None
    if upload is not None:
        if upload.size > conf.affected_users_max_upload_bytes():
            raise ApplicationError("The file is too large.", {"file": ["Too large."]}, status_code=413)
        return affected.parse_csv(affected.decode_csv(upload.read()))
    data = request.data
    if isinstance(data, list):
        data = {"users": data}
    given = _validated(AffectedUsersImportSerializer, data if hasattr(data, "get") else {})
    if "users" in given:
        return affected.parse_json(given["users"])
    if "paste" in given:
        return affected.parse_paste(given["paste"])
    return affected.parse_csv(given["csv"])


class IncidentAffectedUserViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                                  mixins.DestroyModelMixin, OrganizationScopedGenericViewSet):
    """Who the incident affected. POST adds people: JSON ``{"users": [{"email", "name", …}]}`` or
    ``{"paste": "Ann <ann@x.io>\\n…"}``, a CSV file (multipart ``file``, or a ``text/csv`` body) with an
    ``email`` column (``name`` and other columns optional). Invalid rows are reported by line, the valid
    ones kept; duplicates by email merge; at most 100,000 per incident."""

    queryset = AffectedUser.objects.all()
    parent_lookup = INCIDENT_PARENT
    serializer_class = AffectedUserSerializer
    parser_classes = [JSONParser, MultiPartParser, CsvParser]
    required_roles = {"list": READ, "retrieve": READ, "create": INCIDENT_WORK, "destroy": INCIDENT_WORK}

    def get_base_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AffectedUser.objects.none()
        return AffectedUser.objects.filter(incident=self.incident).order_by("id")

    @extend_schema(request=AffectedUsersImportSerializer, responses={200: dict})
    def create(self, request, *args, **kwargs):
        incident = self.incident
        _check_size(request)
        result = affected.affected_users_import(incident=incident, parsed=_parsed(request))
        return Response(result)

    def perform_destroy(self, instance):
        affected.affected_user_delete(affected_user=instance)


class AffectedUserEmailView(OrganizationScopedAPIView):
    """GET: the incident's affected-user email campaigns and their progress. POST: start the plan's
    "Service Disruption [Date] - Resolved" email (only after resolution; 409 for a campaign name already
    used, so a second POST sends nothing unless it names a new campaign). Answers 202."""

    required_roles = {"get": READ, "post": INCIDENT_WORK}
    parent_lookup = ParentLookup("number", Incident, field="number", name="incident", child_field=None,
                                 select_related=("severity",))

    @extend_schema(responses=CampaignSerializer(many=True))
    def get(self, request, *args, **kwargs):
        incident = self.incident
        rows = EmailCampaign.objects.filter(organization=self.organization, incident=incident).select_related(
            "incident").order_by("created_at", "id")
        return Response(CampaignSerializer(rows, many=True).data)

    @extend_schema(request=CampaignCreateSerializer, responses={202: CampaignSerializer})
    def post(self, request, *args, **kwargs):
        incident = self.incident
        data = dict(_validated(CampaignCreateSerializer, request.data))
        campaign = campaigns.campaign_start(incident=incident, created_by=request.user, name=data.pop("name", None),
                                            subject=data.pop("subject", None), text=data.pop("text", None),
                                            overrides=data)
        campaign.refresh_from_db()
        return Response(CampaignSerializer(campaign).data, status=status.HTTP_202_ACCEPTED)
