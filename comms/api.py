"""The comms REST API (thin: every write goes through ``comms.services``)."""

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_view
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
    OrganizationScopedReadOnlyViewSet,
    OrganizationScopedServiceViewSet,
    ParentLookup,
)

OWN_ACTIONS = {"list": READ, "retrieve": READ, "create": READ, "update": READ, "partial_update": READ,
               "destroy": READ}


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


@extend_schema_view(
    create=extend_schema(request=ContactMethodCreateSerializer, responses={201: ContactMethodSerializer}),
    update=extend_schema(request=ContactMethodUpdateSerializer, responses=ContactMethodSerializer),
    partial_update=extend_schema(request=ContactMethodUpdateSerializer, responses=ContactMethodSerializer),
)
class ContactMethodViewSet(_PersonalMixin, OrganizationScopedServiceViewSet):
    """How people are reached. Everyone manages their own; admins manage anyone's and set ``verified``.
    Chat and webhook URLs are stored encrypted and shown only as a hint."""

    queryset = ContactMethod.objects.all()
    serializer_class = ContactMethodSerializer
    required_roles = OWN_ACTIONS
    filterset_fields = ["kind", "verified"]

    def get_base_queryset(self):
        return self._people_scope(ContactMethod.objects.select_related("user").order_by("user_id", "kind",
                                                                                         "position", "id"))

    def get_write_serializer_class(self):
        return ContactMethodCreateSerializer if self.action == "create" else ContactMethodUpdateSerializer

    def validated_input(self, instance=None, partial=False, data=None):
        return super().validated_input(None, partial=partial, data=data)

    def service_create(self, data):
        user = self._subject(data.pop("user", None))
        if not self.has_role(CONFIGURE):
            data["verified"] = False
        method, secret = contacts.contact_method_create(organization=self.organization, user=user, **data)
        return method, ({"secret": secret} if secret else None)

    def service_update(self, instance, data, partial):
        if not self.has_role(CONFIGURE):
            data.pop("verified", None)
        return contacts.contact_method_update(method=instance, **data)

    def service_delete(self, instance):
        contacts.contact_method_delete(method=instance)


class NotificationRuleViewSet(_PersonalMixin, OrganizationScopedServiceViewSet):
    """Personal chains ("SMS at once, voice after 3 min, email after 10"), one per urgency (high = P0/P1)."""

    queryset = NotificationRule.objects.all()
    serializer_class = NotificationRuleSerializer
    required_roles = OWN_ACTIONS
    filterset_fields = ["urgency", "channel"]

    def get_base_queryset(self):
        return self._people_scope(NotificationRule.objects.order_by("user_id", "urgency", "delay_minutes", "id"))

    def service_create(self, data):
        user = self._subject(data.pop("user", None))
        return contacts.notification_rule_save(organization=self.organization, user=user, **data)

    def service_update(self, instance, data, partial):
        user = self._subject(data.pop("user", instance.user))
        fields = {"urgency": instance.urgency, "channel": instance.channel, "delay_minutes": instance.delay_minutes,
                  "position": instance.position, **data}
        return contacts.notification_rule_save(organization=self.organization, user=user, rule=instance, **fields)

    def service_delete(self, instance):
        contacts.object_delete(obj=instance)


class _ConfigViewSet(OrganizationScopedServiceViewSet):
    required_roles = CONFIG_ACTIONS

    def service_delete(self, instance):
        contacts.object_delete(obj=instance)


class ChatDestinationViewSet(_ConfigViewSet):
    """Org chat channels (#incidents, #engineering) reached by incoming webhooks (Slack, Mattermost, Teams)."""

    queryset = ChatDestination.objects.all()
    serializer_class = ChatDestinationSerializer

    def service_create(self, data):
        return contacts.chat_destination_create(organization=self.organization, **data)

    def service_update(self, instance, data, partial):
        return contacts.chat_destination_update(destination=instance, **data)


class SeverityRouteViewSet(_ConfigViewSet):
    """Per-severity routing: channels used at once for the paged person, email lists announced to."""

    queryset = SeverityRoute.objects.all()
    serializer_class = SeverityRouteSerializer

    def service_create(self, data):
        return contacts.severity_route_save(organization=self.organization, **data)

    def service_update(self, instance, data, partial):
        data = {**SeverityRouteSerializer(instance).data, **data}
        data.pop("id", None)
        return contacts.severity_route_save(organization=self.organization, route=instance, **data)


class ChannelThrottleViewSet(_ConfigViewSet):
    """Per-org, per-channel limits to one address (default: one SMS a minute per number)."""

    queryset = ChannelThrottle.objects.all()
    serializer_class = ChannelThrottleSerializer

    def service_create(self, data):
        return contacts.channel_throttle_save(organization=self.organization, **data)

    def service_update(self, instance, data, partial):
        data = {**ChannelThrottleSerializer(instance).data, **data}
        data.pop("id", None)
        return contacts.channel_throttle_save(organization=self.organization, throttle=instance, **data)


class WebhookEndpointViewSet(_ConfigViewSet):
    """Outbound webhooks for incident events, signed ``X-Foghorn-Signature: sha256=HMAC(secret, body)``.
    The secret is shown once, in the create answer."""

    queryset = WebhookEndpoint.objects.all()
    serializer_class = WebhookEndpointSerializer

    def service_create(self, data):
        endpoint, secret = contacts.webhook_endpoint_create(organization=self.organization, **data)
        return endpoint, {"secret": secret}

    def service_update(self, instance, data, partial):
        return contacts.webhook_endpoint_update(endpoint=instance, **data)


INCIDENT_PARENT = ParentLookup("number", Incident, field="number", name="incident", select_related=("severity",))


class IncidentNotificationViewSet(OrganizationScopedReadOnlyViewSet):
    """The delivery ledger of one incident: every message, its channel, state and attempts."""

    queryset = Notification.objects.all()
    serializer_class = NotificationSerializer
    required_roles = {"list": READ, "retrieve": READ}
    filterset_fields = ["state", "channel", "purpose"]
    parent_lookup = INCIDENT_PARENT
    incident: Incident

    def get_base_queryset(self):
        return selectors.notifications_for_incident(self.incident)


class IncidentEscalationView(OrganizationScopedAPIView):
    """GET the incident's escalation run (policy snapshot, where it is, what each step paged)."""

    required_roles = {"get": READ}
    parent_lookup = INCIDENT_PARENT
    incident: Incident

    @extend_schema(responses=EscalationRunSerializer)
    def get(self, request, *args, **kwargs):
        incident = self.incident
        run = selectors.run_for_incident(incident)
        if run is None:
            raise Http404("This incident has no escalation run.")
        context = {"notifications": list(selectors.notifications_for_incident(incident).filter(run=run))}
        return Response(EscalationRunSerializer(run, context=context).data)


class IncidentEscalateView(OrganizationScopedAPIView):
    """POST: page the next step of the policy now (409 if nothing is left to page)."""

    required_roles = {"post": INCIDENT_WORK}
    parent_lookup = INCIDENT_PARENT
    incident: Incident

    @extend_schema(request=None, responses=EscalationRunSerializer)
    def post(self, request, *args, **kwargs):
        incident = self.incident
        run = paging.escalation_escalate_now(incident=incident, actor=request.user)
        run.refresh_from_db()
        context = {"notifications": list(selectors.notifications_for_incident(incident).filter(run=run))}
        return Response(EscalationRunSerializer(run, context=context).data)
