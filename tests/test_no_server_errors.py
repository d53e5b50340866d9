"""Bad input gets a 4xx, never a 500: every org route (found from the URL resolver, as the
isolation test does) is sent malformed bodies and query strings by an owner of the org, every
HTTP method (a method a route does not handle is a 405 with ``Allow``), and schemathesis
draws requests from the live OpenAPI schema (a few examples per operation, to bound CI time)."""

import json
from collections import Counter
from urllib.parse import urlencode

import pytest
import schemathesis
from django.urls import reverse
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.generation import GenerationMode

from incidents import services as incident_services
from incidents.models import Severity
from tenancy.enums import Role
from tests.isolation import MARKER
from tests.test_isolation import ROUTES, allowed_methods, case_for, url_kwarg_names

EVERY_METHOD = ("GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE", "TRACE")
SCHEMATHESIS_EXAMPLES = 2  # per operation and generation mode

BAD_BODIES = [
    [],
    "just a string",
    {"name": {"a": 1}, "title": [], "severity": 5, "service": "abc", "participants": "x", "layers": {"a": 1},
     "steps": 7, "status": None, "role": ["owner"], "email": 3, "kind": {}, "user": "me", "start": "yesterday",
     "end": 12, "items": "all", "text": None, "time_zone": 4, "delay_minutes": "soon", "repeat_count": -3},
    {"layers": [{"participants": [None], "rotation_type": "fortnightly", "rotation_start": "2026-13-45T99:00:00",
                 "restrictions": [{"type": "daily_restriction", "start_time_of_day": "25:61",
                                   "duration_seconds": "x"}]}],
     "steps": [{"targets": [{"type": "planet", "id": "x"}], "delay_minutes": 10**12}]},
]
BAD_QUERY = ("?since=garbage&until=2&at=x&page=abc&ordering=zzz&status=zzz&severity=%5B%5D&service=abc&page_size=-1"
             "&detected_after=nope&is_drill=maybe&overflow=perhaps&tag=%00")


@pytest.mark.parametrize(("route", "pattern"), ROUTES, ids=[pattern.name or route for route, pattern in ROUTES])
@pytest.mark.django_db
def test_malformed_input_never_answers_500(route, pattern, make_org, make_member, api_client_for):
    case = case_for(pattern.name)
    assert case is not None
    org = make_org()
    client = api_client_for(make_member(org, Role.OWNER))
    obj = case.make(org, MARKER)
    available = case.url_kwargs(obj)
    url = reverse(pattern.name, kwargs={"org_slug": org.slug, **{k: available[k] for k in url_kwarg_names(route)}})
    for method in allowed_methods(pattern):
        if method == "get":
            response = client.get(url + BAD_QUERY)
            assert response.status_code < 500, f"GET {url}{BAD_QUERY} → {response.status_code}"
            continue
        if method == "delete":
            continue
        for body in BAD_BODIES:
            response = getattr(client, method)(url, body, format="json")
            assert response.status_code < 500, f"{method.upper()} {url} {body!r} → {response.status_code}"
        response = getattr(client, method)(url, "{not json", content_type="application/json")
        assert response.status_code < 500, f"{method.upper()} {url} (not JSON) → {response.status_code}"


def _route_url(pattern, route, org, case):
    obj = case.make(org, MARKER)
    available = case.url_kwargs(obj)
    return reverse(pattern.name, kwargs={"org_slug": org.slug, **{k: available[k] for k in url_kwarg_names(route)}})


@pytest.mark.parametrize(("route", "pattern"), ROUTES, ids=[pattern.name or route for route, pattern in ROUTES])
@pytest.mark.django_db
def test_every_method_on_every_route_is_answered_without_a_5xx(route, pattern, make_org, make_member,
                                                                api_client_for):
    org = make_org()
    client = api_client_for(make_member(org, Role.OWNER))
    url = _route_url(pattern, route, org, case_for(pattern.name))
    handled = {method.upper() for method in allowed_methods(pattern)} | {"OPTIONS"}
    if "GET" in handled:
        handled.add("HEAD")
    for method in EVERY_METHOD:
        response = client.generic(method, url, json.dumps({}), content_type="application/json")
        assert response.status_code < 500, f"{method} {url} → {response.status_code}"
        if method not in handled:
            assert response.status_code == 405, f"{method} {url} → {response.status_code}, expected 405"
            assert set(response["Allow"].replace(" ", "").split(",")) >= handled - {"HEAD"}, response["Allow"]


def _live_schema(client) -> "schemathesis.BaseSchema":
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return schemathesis.openapi.from_dict(json.loads(response.content))


def _send(client, case):
    query = urlencode(case.query or {}, doseq=True)
    path = case.formatted_path + (f"?{query}" if query else "")
    body = case.body if type(case.body).__name__ != "NotSet" else None
    return client.generic(case.method.upper(), path, json.dumps(body, default=str) if body is not None else "",
                          content_type="application/json")


@pytest.mark.django_db
def test_schemathesis_over_the_live_schema_finds_no_5xx(org, make_member, api_client_for):
    client = api_client_for(make_member(org, Role.OWNER))
    client.raise_request_exception = False  # collect every 5xx instead of stopping at the first
    incident = incident_services.incident_create(organization=org, title="Disk full",
                                                 severity=Severity.objects.get(organization=org, name="P2"))
    known = {"org_slug": org.slug, "number": incident.number}
    failures, answered = [], Counter()
    operations = [result.ok() for result in _live_schema(client).get_all_operations()]
    for operation in operations:
        names = {parameter.name for parameter in operation.path_parameters}
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(generation_mode=mode,
                                             path_parameters={k: v for k, v in known.items() if k in names})

            @settings(max_examples=SCHEMATHESIS_EXAMPLES, deadline=None, database=None, derandomize=True,
                      phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
            @given(case=strategy)
            def check(case):
                response = _send(client, case)
                answered[response.status_code // 100] += 1
                if response.status_code >= 500:
                    failures.append(f"{case.method} {case.formatted_path} {case.query} → {response.status_code}")

            check()
    assert len(operations) > 50
    assert answered[2] > 50, answered  # it reached real handlers, not only 404s
    assert answered[4] > 50, answered
    assert not failures, "\n".join(failures[:20])


PUBLIC_URLS = ["/ical/garbage.ics", "/ack/garbage/", "/ack/a:b:c/", "/integrations/v1/nope/abc/",
               "/integrations/v1/heartbeat/abc/", "/v2/enqueue", "/anymail/postmark/tracking/",
               "/anymail/sendgrid/tracking/", "/anymail/mailgun/tracking/"]


@pytest.mark.parametrize("url", PUBLIC_URLS)
@pytest.mark.django_db
def test_public_routes_answer_garbage_with_a_4xx(client, url):
    for body in ("x", "{}", "[]", '{"RecordType": 5}'):
        assert client.post(url, body, content_type="application/json").status_code < 500, (url, body)
    assert client.get(url).status_code < 500, url
