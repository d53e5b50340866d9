"""Per-organization numbers: 1, 2, 3… with no duplicates when incidents are created at once."""

import threading

import pytest
from django.db import connection

from incidents import services
from incidents.models import Incident
from tests.tenancy.factories import OrganizationFactory


@pytest.mark.django_db
def test_numbers_are_per_organization(make_org):
    first, second = make_org(), make_org()
    numbers = [services.incident_create(organization=org, title="x", severity="P3").number
               for org in (first, second, first, first, second)]
    assert numbers == [1, 1, 2, 3, 2]


@pytest.mark.django_db(transaction=True)
def test_concurrent_creation_never_shares_a_number():
    organization = OrganizationFactory()
    workers = 8
    barrier = threading.Barrier(workers)
    numbers, errors = [], []

    def create():
        try:
            barrier.wait(timeout=10)
            incident = services.incident_create(organization=organization, title="Simultaneous alert", severity="P1")
            numbers.append(incident.number)
        except Exception as exc:  # the assertion below reports it
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=create) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert sorted(numbers) == list(range(1, workers + 1))
    assert sorted(Incident.objects.filter(organization=organization).values_list("number", flat=True)) == sorted(
        numbers)


@pytest.mark.django_db(transaction=True)
def test_two_transactions_at_once_wait_for_each_other():
    """The first creation holds the org's counter until it commits; the second then takes the next number."""
    from django.db import transaction

    organization = OrganizationFactory()
    first_created = threading.Event()
    release_first = threading.Event()
    results = {}

    def first():
        try:
            with transaction.atomic():
                results["first"] = services.incident_create(organization=organization, title="A", severity="P1").number
                first_created.set()
                release_first.wait(timeout=10)
        finally:
            connection.close()

    def second():
        try:
            first_created.wait(timeout=10)
            results["second"] = services.incident_create(organization=organization, title="B", severity="P1").number
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    threads[1].join(timeout=1)
    assert "second" not in results, "the second creation must wait for the first transaction"
    release_first.set()
    for thread in threads:
        thread.join(timeout=30)
    assert results == {"first": 1, "second": 2}


@pytest.mark.django_db(transaction=True)
def test_a_refused_creation_takes_no_number(make_org):
    """Arguments are checked before the counter moves: a bad severity leaves no gap."""
    from tenancy.errors import ApplicationError

    organization = make_org()
    with pytest.raises(ApplicationError):
        services.incident_create(organization=organization, title="x", severity="P9")
    assert services.incident_create(organization=organization, title="x", severity="P3").number == 1


@pytest.mark.django_db
def test_a_new_incident_is_written_whole(make_org):
    """The one-statement write: checklists in template order, the created event with its payload,
    the commander-less incident with no participant, and the instance returned as saved."""
    organization = make_org()
    incident = services.incident_create(organization=organization, title="  Disk full ", severity="P1")
    stored = Incident.objects.get(pk=incident.pk)
    assert (stored.number, stored.title, stored.severity_id) == (1, "Disk full", incident.severity_id)
    assert incident.number == 1
    assert not incident._state.adding
    assert list(stored.checklist_items.values_list("position", flat=True))[:2] == [0, 1]
    event = stored.timeline.get()
    assert event.kind == "incident_created"
    assert event.payload["title"] == "Disk full"
    assert not stored.participants.exists()
