from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from oncall import selectors, services
from tenancy.enums import Role


@pytest.fixture
def people(org, make_member):
    """Four responders of ``org``: Ann, Ben, Cat, Dan."""
    return [make_member(org, Role.RESPONDER, name=name).user for name in ("Ann", "Ben", "Cat", "Dan")]


@pytest.fixture
def make_schedule(org):
    """make_schedule(layers, time_zone="UTC", name="Primary") through the service."""

    def make(layers, time_zone="UTC", name="Primary"):
        return services.schedule_create(organization=org, name=name, time_zone=time_zone, layers=layers)

    return make


@pytest.fixture
def local_shifts():
    """local_shifts(schedule, "2025-03-01T00:00", "2025-03-20T00:00") -> [(name, local start, local end, hours)]."""

    def read(schedule, since, until):
        zone = ZoneInfo(schedule.time_zone)
        pieces = selectors.shifts(schedule, datetime.fromisoformat(since).replace(tzinfo=zone),
                                  datetime.fromisoformat(until).replace(tzinfo=zone))
        return [
            (piece.user.name, piece.start.astimezone(zone).strftime("%Y-%m-%dT%H:%M"),
             piece.end.astimezone(zone).strftime("%Y-%m-%dT%H:%M"), (piece.end - piece.start).total_seconds() / 3600)
            for piece in pieces
        ]

    return read
