from rest_framework.routers import SimpleRouter

from tenancy import api

router = SimpleRouter()
router.register("members", api.MemberViewSet, basename="members")
router.register("tokens", api.ApiTokenViewSet, basename="tokens")

org_urlpatterns = router.urls
urlpatterns: list = []
