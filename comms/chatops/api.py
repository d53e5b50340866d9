"""The org's Slack settings and each incident's channel (thin: writes go through ``services``)."""

from django.http import Http404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from comms.chatops import selectors
from comms.chatops.serializers import (
    ChatOpsSettingsSerializer,
    IncidentChannelSerializer,
    SlackActionSerializer,
    SlackWorkspaceSerializer,
)
from comms.chatops.services import install
from incidents import selectors as incident_selectors
from tenancy.api_base import CONFIGURE, READ, OrganizationScopedAPIView

SETTINGS_ANSWER = inline_serializer("SlackSettings", {
    "installed": serializers.BooleanField(), "workspace": SlackWorkspaceSerializer(allow_null=True),
    "settings": ChatOpsSettingsSerializer(), "install_url": serializers.CharField()})


class SlackSettingsView(OrganizationScopedAPIView):
    """GET the installation (never its token) and the settings; PUT/PATCH the settings; DELETE uninstalls
    (the token is forgotten and revoked at Slack). Install itself is the browser flow at
    ``/integrations/slack/install?org=<slug>``."""

    required_roles = {"get": READ, "put": CONFIGURE, "patch": CONFIGURE, "delete": CONFIGURE}

    def _answer(self, request):
        workspace = selectors.workspace_for(organization_id=self.organization.pk)
        chatops = selectors.settings_for(organization_id=self.organization.pk)
        return Response({
            "installed": workspace is not None,
            "workspace": SlackWorkspaceSerializer(workspace).data if workspace else None,
            "settings": ChatOpsSettingsSerializer(chatops).data,
            "install_url": request.build_absolute_uri(f"/integrations/slack/install?org={self.organization.slug}"),
        })

    @extend_schema(responses=SETTINGS_ANSWER)
    def get(self, request, *args, **kwargs):
        return self._answer(request)

    @extend_schema(request=ChatOpsSettingsSerializer, responses=SETTINGS_ANSWER)
    def put(self, request, *args, **kwargs):
        return self._save(request, partial=False)

    @extend_schema(request=ChatOpsSettingsSerializer, responses=SETTINGS_ANSWER)
    def patch(self, request, *args, **kwargs):
        return self._save(request, partial=True)

    def _save(self, request, partial: bool):
        current = selectors.settings_for(organization_id=self.organization.pk)
        serializer = ChatOpsSettingsSerializer(current, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        install.chatops_settings_update(organization=self.organization, **serializer.validated_data)
        return self._answer(request)

    @extend_schema(responses=SETTINGS_ANSWER)
    def delete(self, request, *args, **kwargs):
        install.slack_uninstall(organization=self.organization)
        return self._answer(request)


class IncidentSlackView(OrganizationScopedAPIView):
    """GET the incident's Slack channel, war-room link and the ledger of what the app did for it."""

    required_roles = {"get": READ}

    @extend_schema(responses=inline_serializer("IncidentSlack", {
        "channel": IncidentChannelSerializer(allow_null=True), "war_room_url": serializers.CharField(),
        "actions": SlackActionSerializer(many=True)}))
    def get(self, request, *args, **kwargs):
        incident = incident_selectors.incident_get(organization=self.organization, number=kwargs["number"])
        if incident is None:
            raise Http404("No such incident.")
        channel = selectors.channel_for_incident(incident=incident)
        return Response({
            "channel": IncidentChannelSerializer(channel).data if channel else None,
            "war_room_url": incident.war_room_url,
            "actions": SlackActionSerializer(selectors.actions_for_incident(incident=incident), many=True).data,
        })
