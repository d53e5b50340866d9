"""Routes of this app: ``org_urlpatterns`` go under /api/v1/orgs/<org_slug>/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from postmortems import api

router = SimpleRouter()
router.register("postmortems", api.PostMortemViewSet, basename="postmortems")
router.register("action-items", api.ActionItemViewSet, basename="action-items")
router.register("drills", api.DrillViewSet, basename="drills")
router.register("training-records", api.TrainingRecordViewSet, basename="training-records")

org_urlpatterns = [
    path("postmortems/<int:pk>/export.md", api.PostMortemExportView.as_view(), name="postmortems-export"),
    path("metrics/", api.MetricsView.as_view(), name="metrics"),
    path("metrics/monthly-review/", api.MonthlyReviewView.as_view(), name="metrics-monthly-review"),
    path("readiness/", api.ReadinessView.as_view(), name="readiness"),
    *router.urls,
]
urlpatterns: list = []
