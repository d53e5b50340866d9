"""Routes of this app: ``org_urlpatterns`` go under /api/v1/orgs/<org_slug>/; the iCal feed is public."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from oncall import api, feeds

router = SimpleRouter()
router.register("schedules", api.ScheduleViewSet, basename="schedules")
router.register(r"schedules/(?P<schedule_pk>\d+)/overrides", api.OverrideViewSet, basename="schedule-overrides")
router.register("escalation-policies", api.EscalationPolicyViewSet, basename="escalation-policies")
router.register("responder-groups", api.ResponderGroupViewSet, basename="responder-groups")

org_urlpatterns = [
    *router.urls,
    path("oncall/", api.OncallNowView.as_view(), name="oncall-now"),
    path("ical-feed/", api.MyICalFeedView.as_view(), name="my-ical-feed"),
    path("oncall-preferences/", api.OncallPreferenceView.as_view(), name="oncall-preferences"),
]
urlpatterns = [
    path("ical/<str:token>.ics", feeds.ical_feed, name="oncall-ical-feed"),
]
