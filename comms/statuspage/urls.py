"""Routes of the status page: ``org_urlpatterns`` under /api/v1/orgs/<org_slug>/ (configuration), and
``urlpatterns`` at /status/<org_slug>/… (the public page, its API, feeds and subscriber links)."""

from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from comms.statuspage import api, views

router = SimpleRouter()
router.register("status-page/components", api.StatusComponentViewSet, basename="status-components")
router.register("status-page/subscribers", api.SubscriberViewSet, basename="status-subscribers")
router.register("maintenances", api.MaintenanceViewSet, basename="maintenances")
router.register("vendor-feeds", api.VendorFeedViewSet, basename="vendor-feeds")

org_urlpatterns = [
    path("status-page/", api.StatusPageView.as_view(), name="status-page"),
    *router.urls,
    path("incidents/<int:number>/vendor-status/", api.IncidentVendorStatusView.as_view(),
         name="incident-vendor-status"),
]

urlpatterns = [
    path("status/<slug:org_slug>/", views.home, name="statuspage-home"),
    re_path(r"^status/(?P<org_slug>[-\w]+)/api/v2/(?P<name>[a-z/-]+)\.json$", views.api_endpoint,
            name="statuspage-api"),
    re_path(r"^status/(?P<org_slug>[-\w]+)/history\.(?P<kind>atom|rss)$", views.history_feed,
            name="statuspage-feed"),
    path("status/<slug:org_slug>/subscribe", views.subscribe, name="statuspage-subscribe"),
    path("status/<slug:org_slug>/subscription/confirm/<str:token>/", views.confirm, name="statuspage-confirm"),
    path("status/<slug:org_slug>/subscription/<str:token>/", views.manage, name="statuspage-manage"),
    path("status/<slug:org_slug>/subscription/<str:token>/unsubscribe", views.unsubscribe,
         name="statuspage-unsubscribe"),
]
