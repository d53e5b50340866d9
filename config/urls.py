"""URL wiring. Each app exposes ``org_urlpatterns`` (mounted under /api/v1/orgs/<org_slug>/)
and may expose ``urlpatterns`` for routes outside the org API (ingestion, feeds, links)."""

import importlib

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from tenancy import api as tenancy_api
from tenancy.health import healthz


def _app_urls(attribute: str) -> list:
    patterns: list = []
    for name in settings.FOGHORN_APPS:
        module = importlib.import_module(f"{name}.urls")
        patterns.extend(getattr(module, attribute, []))
    return patterns


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/v1/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("api/v1/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("api/v1/orgs/", tenancy_api.OrganizationListView.as_view(), name="org-list"),
    path("api/v1/orgs/<slug:org_slug>/", include(_app_urls("org_urlpatterns"))),
    *_app_urls("urlpatterns"),
]
