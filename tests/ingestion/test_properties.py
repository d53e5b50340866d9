"""Property-based: whatever the body, the endpoints answer < 500, and a 4xx writes nothing."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incidents.ingestion.models import Alert, AlertKey
from incidents.models import Incident, TimelineEvent
from tests.ingestion.conftest import integration_url

pytestmark = pytest.mark.django_db
HYPOTHESIS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# Any code point, NUL and lone surrogates included (JSON escapes them; PostgreSQL cannot store them).
any_text = st.text(alphabet=st.characters(exclude_categories=()), max_size=8)
scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40) | any_text
json_values = st.recursive(scalars, lambda children: st.lists(children, max_size=4) | st.dictionaries(
    st.text(max_size=12), children, max_size=5), max_leaves=20)
wild = st.sampled_from(["trigger", "acknowledge", "resolve", "firing", "resolved", "critical", "info", "", None])


def near(fields: dict):
    """Bodies that have the right field names with values that are sometimes right, sometimes not."""
    return st.fixed_dictionaries({}, optional={name: strategy | json_values for name, strategy in fields.items()})


pagerduty_bodies = near({
    "event_action": wild, "dedup_key": st.text(max_size=300) | any_text,
    "payload": near({"summary": st.text(max_size=1100), "source": st.text(max_size=20), "severity": wild,
                     "timestamp": st.text(max_size=30), "custom_details": json_values}),
    "links": st.lists(json_values, max_size=2), "client": st.text(max_size=10)})
alertmanager_bodies = near({
    "version": st.sampled_from(["4", "3"]), "status": wild,
    "alerts": st.lists(near({"status": wild, "labels": st.dictionaries(st.text(max_size=8), st.text(max_size=8)),
                             "annotations": st.dictionaries(st.text(max_size=8), st.text(max_size=8)),
                             "fingerprint": st.text(max_size=20), "startsAt": st.text(max_size=30)}), max_size=3)})
webhook_bodies = near({"title": st.text(max_size=30), "status": wild, "severity": wild,
                       "dedup_key": st.text(max_size=20), "details": json_values, "links": json_values})
datadog_bodies = near({"alert_cycle_key": st.text(max_size=20), "alert_transition": st.sampled_from(
    ["Triggered", "Recovered", "Warn", "No Data"]), "title": st.text(max_size=30), "date": json_values,
    "id": json_values, "alert_type": wild})


def counts():
    return (Alert.objects.count(), Incident.objects.count(), TimelineEvent.objects.count(), AlertKey.objects.count())


def check(http, url, body, raw=False):
    before = counts()
    response = http.post_json(url, body if raw else json.dumps(body))
    assert response.status_code < 500, response.content
    if response.status_code >= 400:
        assert counts() == before, "a refused event wrote something"
        assert response.json()  # a clear JSON answer
    return response


@pytest.fixture
def unlimited(integration_of):
    def make(kind):
        return integration_of(kind, rate_limit_per_minute=10_000_000, rate_limit_burst=10_000_000)

    return make


def test_pagerduty_never_500(unlimited, http):
    _integration, key = unlimited("pagerduty_v2")

    @HYPOTHESIS
    @given(body=pagerduty_bodies, with_key=st.booleans())
    def run(body, with_key):
        check(http, "/v2/enqueue", {**body, "routing_key": key} if with_key else body)

    run()


@pytest.mark.parametrize(("kind", "bodies"), [("alertmanager", alertmanager_bodies), ("webhook", webhook_bodies),
                                              ("datadog", datadog_bodies), ("cloudwatch", json_values)])
def test_integration_endpoints_never_500(unlimited, http, kind, bodies):
    _integration, key = unlimited(kind)
    url = integration_url(kind, key)

    @HYPOTHESIS
    @given(body=bodies | json_values)
    def run(body):
        check(http, url, body)

    run()


def test_arbitrary_bytes_never_500(unlimited, http):
    _integration, key = unlimited("webhook")

    @HYPOTHESIS
    @given(raw=st.binary(max_size=200))
    def run(raw):
        check(http, integration_url("webhook", key), raw, raw=True)
        check(http, "/v2/enqueue", raw, raw=True)

    run()


@pytest.mark.parametrize("raw", [
    '{"title": "nul \\u0000 byte", "dedup_key": "a\\u0000b", "details": {"k\\u0000": ["\\u0000"]}}',
    '{"title": "lone \\ud800 surrogate", "details": {"x": "\\udfff"}}',
    '{"title": "deep", "details": ' + "[" * 5000 + "]" * 5000 + "}",
])
def test_unstorable_characters_are_cleaned_not_500(unlimited, http, raw):
    _integration, key = unlimited("webhook")
    response = check(http, integration_url("webhook", key), raw, raw=True)
    assert response.status_code in (202, 400)


def test_datadog_cycle_key_with_nul(unlimited, http):
    _integration, key = unlimited("datadog")
    response = check(http, integration_url("datadog", key), '{"alert_cycle_key": "\\u0000"}', raw=True)
    assert response.status_code in (202, 400)
