"""Routes of this app: ``org_urlpatterns`` go under /api/v1/orgs/<org_slug>/."""

org_urlpatterns: list = []
urlpatterns: list = []
