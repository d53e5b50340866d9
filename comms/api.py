"""The comms REST API (thin: every write goes through ``comms.services``)."""

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from comms import selectors
from comms.models import (
    ChannelThrottle,
    ChatDestination,
    ContactMethod,
    Notification,
    NotificationRule,
    SeverityRoute,
    WebhookEndpoint,
)
from comms.serializers import (
    ChannelThrottleSerializer,
    ChatDestinationSerializer,
    ContactMethodCreateSerializer,
    ContactMethodSerializer,
    ContactMethodUpdateSerializer,
    EscalationRunSerializer,
    NotificationRuleSerializer,
    NotificationSerializer,
    SeverityRouteSerializer,
    WebhookEndpointSerializer,
)
from comms.services import contacts, paging
from incidents.models import Incident
from tenancy.api_base import (
    CONFIG_ACTIONS,
    CONFIGURE,
    INCIDENT_WORK,
    READ,
    OrganizationScopedAPIView,
    OrganizationScopedGenericViewSet,
    OrganizationScopedReadOnlyViewSet,
)

OWN_ACTIONS = {"list": READ, "retrieve": READ, "create": READ, "update": READ, "partial_update": READ,
               "destroy": READ}


class _ServiceWrites:
    """Create/update/destroy through a service function; subclasses say which and with what."""

    def _input(self, serializer_class, instance=None, partial=False):
        serializer = serializer_class(instance, data=self.request.data, partial=partial,
                                      context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def _answer(self, obj, code=status.HTTP_200_OK, extra=None):
        data = self.get_serializer(obj).data
        return Response({**data, **(extra or {})}, status=code)

    def perform_destroy(self, instance):
        contacts.object_delete(obj=instance)


class _PersonalMixin:
    """Own objects for everyone; admins see and manage everyone's (``?user=<id>`` filters)."""

    def _people_scope(self, queryset: QuerySet) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return queryset
        if not self.has_role(CONFIGURE):
            return queryset.filter(user=self.request.user)
        user = self.request.query_params.get("user")
        return queryset.filter(user_id=user) if user and user.isdigit() else queryset

    def _subject(self, user):
        if user is None or user == self.request.user:
            return self.request.user
        if not self.has_role(CONFIGURE):
            raise PermissionDenied("Only admins manage someone else's settings.")
        return user


class ContactMethodViewSet(_PersonalMixin, _ServiceWrites, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                           mixins.DestroyModelMixin, OrganizationScopedGenericViewSet):
    """How people are reached. Everyone manages their own; admins manage anyone's and set ``verified``.
    Chat and webhook URLs are stored encrypted and shown only as a hint."""

    queryset = ContactMethod.objects.all()
    serializer_class = ContactMethodSerializer
    required_roles = OWN_ACTIONS
    filterset_fields = ["kind", "verified"]

    def get_base_queryset(self):
        return self._people_scope(ContactMethod.objects.select_related("user").order_by("user_id", "kind",
                                                                                         "position", "id"))

    @extend_schema(request=ContactMethodCreateSerializer, responses={201: ContactMethodSerializer})
    def create(self, request, *args, **kwargs):
        data = self._input(ContactMethodCreateSerializer)
        user = self._subject(data.pop("user", None))
        if not self.has_role(CONFIGURE):
            data["verified"] = False
        method, secret = contacts.contact_method_create(organization=self.organization, user=user, **data)
        return self._answer(method, status.HTTP_201_CREATED, {"secret": secret} if secret else None)

    @extend_schema(request=ContactMethodUpdateSerializer, responses=ContactMethodSerializer)
    def update(self, request, *args, **kwargs):
        method = self.get_object()
        data = self._input(ContactMethodUpdateSerializer, partial=kwargs.get("partial", False))
        if not self.has_role(CONFIGURE):
            data.pop("verified", None)
        return self._answer(contacts.contact_method_update(method=method, **data))

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)


class NotificationRuleViewSet(_PersonalMixin, _ServiceWrites, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                              mixins.DestroyModelMixin, OrganizationScopedGenericViewSet):
    """Personal chains ("SMS at once, voice after 3 min, email after 10"), one per urgency (high = P0/P1)."""

    queryset = NotificationRule.objects.all()
    serializer_class = NotificationRuleSerializer
    required_roles = OWN_ACTIONS
    filterset_fields = ["urgency", "channel"]

    def get_base_queryset(self):
        return self._people_scope(NotificationRule.objects.order_by("user_id", "urgency", "delay_minutes", "id"))

    def create(self, request, *args, **kwargs):
        data = self._input(NotificationRuleSerializer)
        user = self._subject(data.pop("user", None))
        rule = contacts.notification_rule_save(organization=self.organization, user=user, **data)
        return self._answer(rule, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        rule = self.get_object()
        data = self._input(NotificationRuleSerializer, rule, partial=kwargs.get("partial", False))
        user = self._subject(data.pop("user", rule.user))
        fields = {"urgency": rule.urgency, "channel": rule.channel, "delay_minutes": rule.delay_minutes,
                  "position": rule.position, **data}
        return self._answer(contacts.notification_rule_save(organization=self.organization, user=user, rule=rule,
                                                            **fields))

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)


class _ConfigViewSet(_ServiceWrites, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin,
                     OrganizationScopedGenericViewSet):
    required_roles = CONFIG_ACTIONS

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)


class ChatDestinationViewSet(_ConfigViewSet):
    """Org chat channels (#incidents, #engineering) reached by incoming webhooks (Slack, Mattermost, Teams)."""

    queryset = ChatDestination.objects.all()
    serializer_class = ChatDestinationSerializer

    def create(self, request, *args, **kwargs):
        data = self._input(ChatDestinationSerializer)
        destination = contacts.chat_destination_create(organization=self.organization, **data)
        return self._answer(destination, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        destination = self.get_object()
        data = self._input(ChatDestinationSerializer, destination, partial=kwargs.get("partial", False))
        return self._answer(contacts.chat_destination_update(destination=destination, **data))


class SeverityRouteViewSet(_ConfigViewSet):
    """Per-severity routing: channels used at once for the paged person, email lists announced to."""

    queryset = SeverityRoute.objects.all()
    serializer_class = SeverityRouteSerializer

    def create(self, request, *args, **kwargs):
        data = self._input(SeverityRouteSerializer)
        return self._answer(contacts.severity_route_save(organization=self.organization, **data),
                            status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        route = self.get_object()
        data = {**SeverityRouteSerializer(route).data,
                **self._input(SeverityRouteSerializer, route, partial=kwargs.get("partial", False))}
        data.pop("id", None)
        return self._answer(contacts.severity_route_save(organization=self.organization, route=route, **data))


class ChannelThrottleViewSet(_ConfigViewSet):
    """Per-org, per-channel limits to one address (default: one SMS a minute per number)."""

    queryset = ChannelThrottle.objects.all()
    serializer_class = ChannelThrottleSerializer

    def create(self, request, *args, **kwargs):
        data = self._input(ChannelThrottleSerializer)
        return self._answer(contacts.channel_throttle_save(organization=self.organization, **data),
                            status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        throttle = self.get_object()
        data = {**ChannelThrottleSerializer(throttle).data,
                **self._input(ChannelThrottleSerializer, throttle, partial=kwargs.get("partial", False))}
        data.pop("id", None)
        return self._answer(contacts.channel_throttle_save(organization=self.organization, throttle=throttle,
                                                           **data))


class WebhookEndpointViewSet(_ConfigViewSet):
    """Outbound webhooks for incident events, signed ``X-Foghorn-Signature: sha256=HMAC(secret, body)``.
    The secret is shown once, in the create answer."""

    queryset = WebhookEndpoint.objects.all()
    serializer_class = WebhookEndpointSerializer

    def create(self, request, *args, **kwargs):
        data = self._input(WebhookEndpointSerializer)
        endpoint, secret = contacts.webhook_endpoint_create(organization=self.organization, **data)
        return self._answer(endpoint, status.HTTP_201_CREATED, {"secret": secret})

    def update(self, request, *args, **kwargs):
        endpoint = self.get_object()
        data = self._input(WebhookEndpointSerializer, endpoint, partial=kwargs.get("partial", False))
        return self._answer(contacts.webhook_endpoint_update(endpoint=endpoint, **data))


class _IncidentNested:
    def incident(self) -> Incident:
        incident = Incident.objects.select_related("severity").filter(
            organization=self.organization, number=self.kwargs["number"]).first()
        if incident is None:
            raise Http404("No such incident.")
        return incident


class IncidentNotificationViewSet(_IncidentNested, OrganizationScopedReadOnlyViewSet):
    """The delivery ledger of one incident: every message, its channel, state and attempts."""

    queryset = Notification.objects.all()
    serializer_class = NotificationSerializer
    required_roles = {"list": READ, "retrieve": READ}
    filterset_fields = ["state", "channel", "purpose"]

    def get_base_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        return selectors.notifications_for_incident(self.incident())


class IncidentEscalationView(_IncidentNested, OrganizationScopedAPIView):
    """GET the incident's escalation run (policy snapshot, where it is, what each step paged)."""

    required_roles = {"get": READ}

    @extend_schema(responses=EscalationRunSerializer)
    def get(self, request, *args, **kwargs):
        incident = self.incident()
        run = selectors.run_for_incident(incident)
        if run is None:
            raise Http404("This incident has no escalation run.")
        context = {"notifications": list(selectors.notifications_for_incident(incident).filter(run=run))}
        return Response(EscalationRunSerializer(run, context=context).data)


class IncidentEscalateView(_IncidentNested, OrganizationScopedAPIView):
    """POST: page the next step of the policy now (409 if nothing is left to page)."""

    required_roles = {"post": INCIDENT_WORK}

    @extend_schema(request=None, responses=EscalationRunSerializer)
    def post(self, request, *args, **kwargs):
        incident = self.incident()
        run = paging.escalation_escalate_now(incident=incident, actor=request.user)
        run.refresh_from_db()
        context = {"notifications": list(selectors.notifications_for_incident(incident).filter(run=run))}
        return Response(EscalationRunSerializer(run, context=context).data)
