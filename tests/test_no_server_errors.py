"""Bad input gets a 4xx, never a 500: every org route (found from the URL resolver, as the
isolation test does) is sent malformed bodies and query strings by an owner of the org."""

import pytest
from django.urls import reverse

from tenancy.enums import Role
from tests.isolation import MARKER
from tests.test_isolation import ROUTES, allowed_methods, case_for, url_kwarg_names

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


PUBLIC_URLS = ["/ical/garbage.ics", "/ack/garbage/", "/ack/a:b:c/", "/integrations/v1/nope/abc/",
               "/integrations/v1/heartbeat/abc/", "/v2/enqueue", "/anymail/postmark/tracking/",
               "/anymail/sendgrid/tracking/", "/anymail/mailgun/tracking/"]


@pytest.mark.parametrize("url", PUBLIC_URLS)
@pytest.mark.django_db
def test_public_routes_answer_garbage_with_a_4xx(client, url):
    for body in ("x", "{}", "[]", '{"RecordType": 5}'):
        assert client.post(url, body, content_type="application/json").status_code < 500, (url, body)
    assert client.get(url).status_code < 500, url
