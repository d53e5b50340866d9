"""The tenancy base fails closed: its scoping hooks cannot be replaced unseen, a role map with a
gap fails when the route is built, and a method without a handler is a 405."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import get_resolver
from rest_framework import mixins
from rest_framework.routers import SimpleRouter

from oncall.models import Schedule
from tenancy.api_base import (
    PROTECTED_HOOKS,
    READ_ACTIONS,
    OrganizationScopedAPIView,
    OrganizationScopedGenericViewSet,
    OrganizationScopedMixin,
    OrganizationScopedReadOnlyViewSet,
    OrganizationScopedViewSet,
)
from tenancy.enums import Role
from tests.test_isolation import ROUTES


def _overriding(name):
    def hook(self, *args, **kwargs):
        return None

    hook.__name__ = name
    return hook


@pytest.mark.parametrize("hook", PROTECTED_HOOKS)
def test_a_viewset_that_overrides_a_scoping_hook_is_refused_at_class_creation(hook):
    with pytest.raises(TypeError, match=hook):
        type("SneakyViewSet", (OrganizationScopedViewSet,), {"__module__": __name__, hook: _overriding(hook),
                                                             "queryset": Schedule.objects.all()})


@pytest.mark.parametrize("hook", PROTECTED_HOOKS)
def test_a_mixin_listed_before_the_base_cannot_override_a_hook_unseen(hook):
    mixin = type("FriendlyLookingMixin", (), {hook: _overriding(hook)})
    with pytest.raises(TypeError, match="FriendlyLookingMixin"):
        type("MixedViewSet", (mixin, OrganizationScopedReadOnlyViewSet), {"__module__": __name__})


def test_overriding_get_queryset_on_a_subclass_two_levels_down_is_refused():
    class Base(OrganizationScopedGenericViewSet):
        queryset = Schedule.objects.all()

    with pytest.raises(TypeError, match="get_queryset"):
        class Child(Base):
            def get_queryset(self):
                return Schedule.objects.all()


def test_a_named_bypass_is_allowed_and_visible():
    class EveryOrgsSchedules(mixins.ListModelMixin, OrganizationScopedGenericViewSet):
        queryset = Schedule.objects.all()
        required_roles = READ_ACTIONS

        def dangerously_get_queryset(self):
            return Schedule.objects.all()

    view = EveryOrgsSchedules()
    assert view.get_queryset().query.where.children == []  # no organization filter: the name says so


def test_a_role_map_with_a_gap_fails_when_the_route_is_built_not_at_request_time():
    class GappyViewSet(OrganizationScopedViewSet):
        queryset = Schedule.objects.all()
        required_roles = READ_ACTIONS  # no create/update/destroy

    router = SimpleRouter()
    router.register("gappy", GappyViewSet, basename="gappy")
    with pytest.raises(ImproperlyConfigured, match="create"):
        router.get_urls()


def test_an_api_view_with_a_handler_missing_from_its_role_map_fails_at_as_view():
    class Gappy(OrganizationScopedAPIView):
        required_roles = {"get": Role.VIEWER}

        def get(self, request, *args, **kwargs):
            return None

        def post(self, request, *args, **kwargs):
            return None

    with pytest.raises(ImproperlyConfigured, match="post"):
        Gappy.as_view()


def test_every_routed_org_view_lists_every_action_it_can_run():
    get_resolver().url_patterns  # noqa: B018 — building the URL conf runs every as_view check
    for _route, pattern in ROUTES:
        view_class = getattr(pattern.callback, "cls", None) or pattern.callback.view_class
        assert issubclass(view_class, OrganizationScopedMixin), pattern.name
        view_class.check_required_roles(getattr(pattern.callback, "actions", None))


@pytest.mark.django_db
def test_unsupported_methods_are_405_with_allow(org, make_member, api_client_for):
    client = api_client_for(make_member(org, Role.OWNER))
    alert_url = f"/api/v1/orgs/{org.slug}/alerts/1/"
    for method in ("put", "patch", "delete"):
        response = getattr(client, method)(alert_url, {}, format="json")
        assert response.status_code == 405, (method, response.status_code)
        assert "GET" in response["Allow"]
        assert response.json()["message"]
    response = client.generic("TRACE", f"/api/v1/orgs/{org.slug}/oncall/")
    assert response.status_code == 405
    assert "GET" in response["Allow"]


@pytest.mark.django_db
def test_a_non_member_gets_404_whatever_the_method(org, make_org, make_member, api_client_for):
    outsider = api_client_for(make_member(make_org(), Role.OWNER))
    response = outsider.generic("TRACE", f"/api/v1/orgs/{org.slug}/schedules/")
    assert response.status_code == 404


@pytest.mark.django_db
def test_the_parent_lookup_is_scoped_to_the_org(org, make_org, make_member, api_client_for):
    other = make_org()
    schedule = Schedule.objects.create(organization=other, name="Theirs")
    client = api_client_for(make_member(org, Role.OWNER))
    assert client.get(f"/api/v1/orgs/{org.slug}/schedules/{schedule.pk}/overrides/").status_code == 404
    mine = Schedule.objects.create(organization=org, name="Mine")
    assert client.get(f"/api/v1/orgs/{org.slug}/schedules/{mine.pk}/overrides/").status_code == 200
