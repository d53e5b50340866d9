"""The cross-tenant wall: every route under /api/v1/orgs/<org_slug>/, found from the URL
resolver (not a hand list), is attacked by a member of org B holding B's token."""

import importlib
import json
import pkgutil
import re

import pytest
from django.apps import apps
from django.forms.models import model_to_dict
from django.urls import URLPattern, URLResolver, get_resolver, reverse

import tests
from tenancy.enums import Role
from tests.isolation import MARKER, IsolationCase

ORG_PREFIX = "api/v1/orgs/<slug:org_slug>/"
METHODS = ("get", "post", "put", "patch", "delete")


def _walk(patterns, prefix=""):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route, entry


def org_routes() -> list[tuple[str, URLPattern]]:
    found = []
    for route, pattern in _walk(get_resolver().url_patterns):
        if route.startswith(ORG_PREFIX) and route != ORG_PREFIX and not route.endswith(r"\.(?P<format>[a-z0-9]+)/?$"):
            found.append((route, pattern))
    return found


def url_kwarg_names(route: str) -> set[str]:
    names = set(re.findall(r"<(?:\w+:)?(\w+)>", route)) | set(re.findall(r"\(\?P<(\w+)>", route))
    return names - {"org_slug", "format"}


def allowed_methods(pattern: URLPattern) -> list[str]:
    callback = pattern.callback
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    permitted = [method for method in METHODS if method in getattr(view_class, "http_method_names", METHODS)]
    actions = getattr(callback, "actions", None)
    if actions:
        return [method for method in permitted if method in actions]
    return [method for method in permitted if hasattr(view_class, method)]


def all_cases() -> list[IsolationCase]:
    cases = []
    for module_info in pkgutil.iter_modules(tests.__path__):
        if not module_info.ispkg:
            continue
        try:
            module = importlib.import_module(f"tests.{module_info.name}.isolation")
        except ModuleNotFoundError as exc:
            if exc.name != f"tests.{module_info.name}.isolation":
                raise
            continue
        cases.extend(module.CASES)
    return cases


def case_for(url_name: str) -> IsolationCase | None:
    return next((case for case in all_cases() if url_name in case.url_names), None)


def tenant_models():
    return [model for model in apps.get_models() if any(f.name == "organization" for f in model._meta.fields)]


def snapshot(organization) -> dict:
    return {
        model._meta.label: sorted(
            (json.dumps(model_to_dict(obj), default=str, sort_keys=True) for obj in
             model.objects.filter(organization=organization)),
        )
        for model in tenant_models()
    }


ROUTES = org_routes()


def test_routes_were_discovered():
    names = {pattern.name for _route, pattern in ROUTES}
    assert {"members-list", "members-detail", "tokens-list", "tokens-detail"} <= names


@pytest.mark.parametrize(("route", "pattern"), ROUTES, ids=[pattern.name or route for route, pattern in ROUTES])
@pytest.mark.django_db
def test_member_of_org_b_cannot_touch_org_a(route, pattern, make_org, make_member, api_client_for):
    case = case_for(pattern.name)
    assert case is not None, f"No isolation case covers the route {pattern.name!r} ({route}): add one."

    org_a, org_b = make_org(), make_org()
    make_member(org_a, Role.OWNER)
    attacker = make_member(org_b, Role.OWNER)
    client = api_client_for(attacker)
    obj_a = case.make(org_a, MARKER)
    before = snapshot(org_a)

    needed = url_kwarg_names(route)
    available = case.url_kwargs(obj_a)
    missing = needed - set(available)
    assert not missing, f"The case for {pattern.name} does not give the URL kwargs {missing}"
    kwargs = {name: available[name] for name in needed}

    for method in allowed_methods(pattern):
        # 1. Org A's URL with org B's token: as if org A did not exist.
        url_a = reverse(pattern.name, kwargs={"org_slug": org_a.slug, **kwargs})
        response = getattr(client, method)(url_a, case.body, format="json")
        assert response.status_code == 404, f"{method.upper()} {url_a} → {response.status_code}"

        url_b = reverse(pattern.name, kwargs={"org_slug": org_b.slug, **kwargs})
        if needed:
            # 2. Org A's object under org B's slug.
            response = getattr(client, method)(url_b, case.body, format="json")
            assert response.status_code == 404, f"{method.upper()} {url_b} → {response.status_code}"
        elif method == "get":
            # 3. Org B's own list or page shows nothing of org A.
            response = client.get(url_b)
            assert response.status_code == 200, f"GET {url_b} → {response.status_code}"
            assert MARKER not in response.content.decode(), f"GET {url_b} leaks org A's data"
        elif method == "post":
            # 4. Creating in org B with a foreign key to org A's object.
            if case.create_payload is None:
                assert case.creates_without_foreign_keys, (
                    f"The case for {pattern.name} gives no create_payload: give one, or say the body has no FK."
                )
                continue
            response = client.post(url_b, case.create_payload(obj_a, org_b), format="json")
            assert response.status_code == 400, f"POST {url_b} with org A's object → {response.status_code}"

    assert snapshot(org_a) == before, f"Org A's data changed through {pattern.name}"
