"""Handoff notices through the real Anymail backends of every supported ESP (a local stand-in answers)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from oncall import tasks
from tests.comms.esp import ESP_NAMES, esp_backend  # noqa: F401 — the fixture
from tests.oncall.factories import weekly_layer

pytestmark = pytest.mark.django_db

HANDOFF = datetime(2025, 1, 13, 9, tzinfo=UTC)


@pytest.mark.parametrize("esp_name", ESP_NAMES)
def test_a_handoff_notice_goes_out_through_each_esp(esp_backend, esp_name, org, people, make_schedule):  # noqa: F811
    esp = esp_backend(esp_name)
    make_schedule([weekly_layer(people[:2])], name="Primary")
    with time_machine.travel(HANDOFF + timedelta(minutes=3), tick=False):
        tasks.handoff_notices(org.pk)
    [sent] = esp.messages()
    assert sent.to == [people[0].email]
    assert sent.subject == "Your on-call shift for Primary has ended"
    assert "Primary" in sent.text
