"""incident_import: a past incident with its real moments, resolved, paging nobody."""

from datetime import UTC, datetime, timedelta

import pytest

from comms.models import EscalationRun
from incidents import services
from incidents.enums import TimelineKind
from tenancy.errors import ApplicationError

pytestmark = pytest.mark.django_db
DETECTED = datetime(2026, 5, 4, 10, tzinfo=UTC)


def test_an_imported_incident_keeps_its_moments_and_pages_nobody(org, service, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        incident = services.incident_import(
            organization=org, title="Old outage", severity="P1", service=service, detected_at=DETECTED,
            acknowledged_at=DETECTED + timedelta(minutes=4), mitigated_at=DETECTED + timedelta(minutes=20),
            resolved_at=DETECTED + timedelta(minutes=50))
    assert (incident.status, incident.source) == ("resolved", "import")
    assert incident.resolved_at - incident.detected_at == timedelta(minutes=50)
    assert incident.timeline.filter(kind=TimelineKind.SYSTEM, payload__imported=True).exists()
    assert not EscalationRun.objects.filter(incident=incident).exists()


def test_moments_before_detection_are_refused(org):
    with pytest.raises(ApplicationError) as refused:
        services.incident_import(organization=org, title="x", severity="P2", detected_at=DETECTED,
                                 resolved_at=DETECTED - timedelta(minutes=1))
    assert refused.value.errors.keys() == {"resolved_at"}
