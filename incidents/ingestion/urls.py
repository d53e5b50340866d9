"""Routes of this app: ``org_urlpatterns`` go under /api/v1/orgs/<org_slug>/; ``urlpatterns``
are the ingestion endpoints at the root (authenticated by routing key alone)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from incidents.ingestion import api, endpoints

router = SimpleRouter()
router.register("integrations", api.IntegrationViewSet, basename="integrations")
router.register("alerts", api.AlertViewSet, basename="alerts")
router.register("maintenance-windows", api.MaintenanceWindowViewSet, basename="maintenance-windows")

org_urlpatterns = router.urls
urlpatterns = [
    path("v2/enqueue", endpoints.enqueue, name="ingest-pagerduty-v2"),
    path("v2/change/enqueue", endpoints.change_enqueue, name="ingest-pagerduty-change"),
    path("integrations/v1/<str:kind>/<str:routing_key>/", endpoints.integration_event, name="ingest-integration"),
    # The same without the trailing slash, as a monitor's URL is often typed: a redirect would
    # lose the POST.
    path("integrations/v1/<str:kind>/<str:routing_key>", endpoints.integration_event),
]
