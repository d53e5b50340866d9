"""``org_urlpatterns``: the org's Slack settings and each incident's channel, under /api/v1/orgs/<slug>/;
``urlpatterns``: the Slack app's own endpoints (signed by Slack, or the admin's browser for install)."""

from django.urls import path

from comms.chatops import api, views

org_urlpatterns = [
    path("slack/", api.SlackSettingsView.as_view(), name="slack-settings"),
    path("incidents/<int:number>/slack/", api.IncidentSlackView.as_view(), name="incident-slack"),
]

urlpatterns = [
    path("integrations/slack/install", views.slack_install, name="slack-install"),
    path("integrations/slack/oauth/callback", views.slack_oauth_callback, name="slack-oauth-callback"),
    path("integrations/slack/events", views.slack_events, name="slack-events"),
    path("integrations/slack/interactivity", views.slack_interactivity, name="slack-interactivity"),
    path("integrations/slack/commands", views.slack_commands, name="slack-commands"),
]
