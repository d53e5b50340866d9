"""Routes of this app: ``org_urlpatterns`` go under /api/v1/orgs/<org_slug>/; ``urlpatterns`` hold the
one-click acknowledge link and Anymail's ESP tracking webhooks (``/anymail/<esp>/tracking/``)."""

from functools import wraps

from anymail import urls as anymail_urls
from anymail.exceptions import AnymailConfigurationError
from django.http import HttpResponseBadRequest, HttpResponseNotFound
from django.urls import URLPattern, include, path
from rest_framework.routers import SimpleRouter

from comms import api, api_status, views

router = SimpleRouter()
router.register("contact-methods", api.ContactMethodViewSet, basename="contact-methods")
router.register("notification-rules", api.NotificationRuleViewSet, basename="notification-rules")
router.register("chat-destinations", api.ChatDestinationViewSet, basename="chat-destinations")
router.register("severity-routes", api.SeverityRouteViewSet, basename="severity-routes")
router.register("channel-throttles", api.ChannelThrottleViewSet, basename="channel-throttles")
router.register("webhook-endpoints", api.WebhookEndpointViewSet, basename="webhook-endpoints")
router.register(r"incidents/(?P<number>[0-9]+)/notifications", api.IncidentNotificationViewSet,
                basename="incident-notifications")
router.register(r"incidents/(?P<number>[0-9]+)/status-updates", api_status.IncidentStatusUpdateViewSet,
                basename="incident-status-updates")
router.register(r"incidents/(?P<number>[0-9]+)/affected-users", api_status.IncidentAffectedUserViewSet,
                basename="incident-affected-users")
router.register("message-templates", api_status.MessageTemplateViewSet, basename="message-templates")

org_urlpatterns = [
    # Before the router: "email" would otherwise be taken for an affected user's id.
    path("incidents/<int:number>/affected-users/email/", api_status.AffectedUserEmailView.as_view(),
         name="incident-affected-users-email"),
    *router.urls,
    path("incidents/<int:number>/escalation/", api.IncidentEscalationView.as_view(), name="incident-escalation"),
    path("incidents/<int:number>/escalate/", api.IncidentEscalateView.as_view(), name="incident-escalate"),
]


def _malformed_is_400(view):
    """Anymail's views let a body that is not the ESP's JSON escape as a 500; the sender gets a 400.
    An ESP whose webhook is not configured here (no signing key) is a 404, not a 500."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except AnymailConfigurationError:
            return HttpResponseNotFound("This ESP's tracking webhook is not configured.")
        except (ValueError, KeyError, TypeError):
            return HttpResponseBadRequest("Malformed webhook payload.")

    return wrapped


anymail_patterns = [
    URLPattern(pattern.pattern, _malformed_is_400(pattern.callback), pattern.default_args, pattern.name)
    for pattern in anymail_urls.urlpatterns
]

urlpatterns = [
    path("ack/<str:token>/", views.ack_link, name="comms-ack-link"),
    path("anymail/", include((anymail_patterns, anymail_urls.app_name))),
]
