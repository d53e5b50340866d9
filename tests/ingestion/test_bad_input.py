"""Issue 10, "bad input that still 500s": deep JSON nesting with ``\\u0000`` overflowed ``clean``."""

import pytest

from incidents.ingestion.models import Alert
from incidents.models import Incident
from tests.ingestion.conftest import integration_url

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("depth", [900, 5000])
def test_deep_nesting_with_a_nul_escape_is_a_400_not_a_500(integration_of, http, depth):
    _integration, key = integration_of("webhook")
    raw = '{"title": "deep", "details": {"x": ' + "[" * depth + '"\\u0000"' + "]" * depth + "}}"
    response = http.post_json(integration_url("webhook", key), raw)
    assert response.status_code == 400, response.content[:300]
    assert response.json()["errors"]["body"]
    assert (Alert.objects.count(), Incident.objects.count()) == (0, 0)


def test_shallow_nul_escapes_are_still_cleaned_and_stored(integration_of, http):
    _integration, key = integration_of("webhook")
    raw = '{"title": "nul \\u0000 byte", "dedup_key": "a\\u0000b", "details": {"k\\u0000": [["\\u0000x"]]}}'
    assert http.post_json(integration_url("webhook", key), raw).status_code == 202
    alert = Alert.objects.get()
    assert (alert.dedup_key, alert.summary, alert.details) == ("ab", "nul  byte", {"k": [["x"]]})
