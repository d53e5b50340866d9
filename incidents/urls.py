"""Routes of this app: ``org_urlpatterns`` go under /api/v1/orgs/<org_slug>/."""

from rest_framework.routers import SimpleRouter

from incidents import api

router = SimpleRouter()
router.register("severities", api.SeverityViewSet, basename="severities")
router.register("services", api.ServiceViewSet, basename="services")
router.register("root-cause-categories", api.RootCauseCategoryViewSet, basename="root-cause-categories")
router.register("runbooks", api.RunbookViewSet, basename="runbooks")
router.register("incidents", api.IncidentViewSet, basename="incidents")

org_urlpatterns = router.urls
urlpatterns: list = []
