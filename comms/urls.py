"""Routes of this app: ``org_urlpatterns`` go under /api/v1/orgs/<org_slug>/; ``urlpatterns`` hold the
one-click acknowledge link and Anymail's ESP tracking webhooks (``/anymail/<esp>/tracking/``)."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from comms import api, views

router = SimpleRouter()
router.register("contact-methods", api.ContactMethodViewSet, basename="contact-methods")
router.register("notification-rules", api.NotificationRuleViewSet, basename="notification-rules")
router.register("chat-destinations", api.ChatDestinationViewSet, basename="chat-destinations")
router.register("severity-routes", api.SeverityRouteViewSet, basename="severity-routes")
router.register("channel-throttles", api.ChannelThrottleViewSet, basename="channel-throttles")
router.register("webhook-endpoints", api.WebhookEndpointViewSet, basename="webhook-endpoints")
router.register(r"incidents/(?P<number>[0-9]+)/notifications", api.IncidentNotificationViewSet,
                basename="incident-notifications")

org_urlpatterns = [
    *router.urls,
    path("incidents/<int:number>/escalation/", api.IncidentEscalationView.as_view(), name="incident-escalation"),
    path("incidents/<int:number>/escalate/", api.IncidentEscalateView.as_view(), name="incident-escalate"),
]
urlpatterns = [
    path("ack/<str:token>/", views.ack_link, name="comms-ack-link"),
    path("anymail/", include("anymail.urls")),
]
