"""Schedule computation budget (issue 3): run by hand, never by CI.

    .venv/bin/python bench/bench_schedules.py

1. A year of final shifts for a 3-layer schedule with restrictions and 100 overrides (≤ 20 ms).
2. Who is on call at one instant on 1,000 schedules (≤ 200 ms).

Both figures are medians over repeated runs of the pure computation (``oncall.scheduling``),
which the API, iCal feeds, notices and paging all call after loading rows with a constant
number of queries. Data is built in memory: no database needed.

``--db`` adds a third figure: the same 1,000 schedules as rows in a scratch database (created
and dropped here, from DATABASE_URL), loaded with their prefetches and resolved with
``oncall.selectors.who_is_on_call_many`` — what the "who is on call" page does.
"""

import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from oncall import scheduling  # noqa: E402
from oncall.scheduling import LayerSpec, OverrideSpec, Restriction, ScheduleSpec, VersionSpec  # noqa: E402

YEAR_BUDGET_MS = 20.0
ONCALL_BUDGET_MS = 200.0
SINCE = datetime(2025, 1, 1, tzinfo=UTC)
UNTIL = datetime(2026, 1, 1, tzinfo=UTC)
WORKDAY = Restriction.from_dict({"type": "daily_restriction", "start_time_of_day": "09:00:00",
                                 "duration_seconds": 8 * 3600})
WEEKEND = Restriction.from_dict({"type": "weekly_restriction", "start_day_of_week": 6,
                                 "start_time_of_day": "00:00:00", "duration_seconds": 2 * 86400})
NIGHTS = Restriction.from_dict({"type": "daily_restriction", "start_time_of_day": "22:00:00",
                                "duration_seconds": 8 * 3600})


def schedule(rng: random.Random, index: int, overrides: int) -> ScheduleSpec:
    people = list(range(1, 9))
    rng.shuffle(people)
    layers = [
        LayerSpec(id=index * 10 + 1, priority=1, versions=[VersionSpec(
            participants=tuple(people[:4]), rotation_type="weekly", shift_length=1,
            rotation_start=datetime.fromisoformat("2024-12-30T09:00"), restrictions=(WEEKEND, NIGHTS))]),
        LayerSpec(id=index * 10 + 2, priority=2, versions=[VersionSpec(
            participants=tuple(people[4:7]), rotation_type="daily", shift_length=1,
            rotation_start=datetime.fromisoformat("2025-01-01T09:00"), restrictions=(WORKDAY,))]),
        LayerSpec(id=index * 10 + 3, priority=3, versions=[VersionSpec(
            participants=tuple(people[5:8]), rotation_type="hourly", shift_length=12,
            rotation_start=datetime.fromisoformat("2025-01-01T08:00"), restrictions=(WEEKEND,))]),
    ]
    extra = []
    for number in range(overrides):
        start = SINCE + timedelta(hours=rng.randrange(0, 365 * 24))
        extra.append(OverrideSpec(id=index * 1000 + number, user_id=rng.choice(people), start=start,
                                  end=start + timedelta(hours=rng.randrange(1, 72)),
                                  replaces_user_id=rng.choice([None, None, rng.choice(people)])))
    return ScheduleSpec(id=index, name=f"S{index}", time_zone=rng.choice(["Europe/Berlin", "America/New_York"]),
                        layers=layers, overrides=extra)


def median_ms(function, runs: int) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def load_note() -> str:
    """Other processes skew timings: say how busy the machine was."""
    try:
        return f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    except OSError:
        return "load average unknown"


def restriction_dict(restriction: Restriction) -> dict:
    return {"type": restriction.type, "start_time_of_day": restriction.start_time_of_day.isoformat(),
            "duration_seconds": int(restriction.duration.total_seconds()),
            "start_day_of_week": restriction.start_day_of_week}


def db_figure(rng: random.Random, at: datetime) -> float:
    from django.db import connection

    from oncall import selectors
    from oncall.models import Layer, LayerVersion, Override, Schedule
    from tenancy import services as tenancy_services
    from tenancy.models import Membership, User

    original = connection.settings_dict["NAME"]
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"{original}_bench_schedules"
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        organization = tenancy_services.organization_create(name="Bench", slug="bench")
        users = [User.objects.create_user(email=f"bench{n}@example.test") for n in range(8)]
        Membership.objects.bulk_create(Membership(organization=organization, user=u) for u in users)
        ids = [u.pk for u in users]
        schedules = Schedule.objects.bulk_create(
            Schedule(organization=organization, name=f"S{n}", time_zone="Europe/Berlin") for n in range(1000))
        layers = Layer.objects.bulk_create(
            Layer(organization=organization, schedule=s, priority=p) for s in schedules for p in (1, 2, 3))
        specs = schedule(rng, 0, overrides=0).layers
        LayerVersion.objects.bulk_create(
            LayerVersion(layer=layer, participants=[ids[i % 8] for i in range(layer.pk, layer.pk + 3)],
                         rotation_type=spec.versions[0].rotation_type, shift_length=spec.versions[0].shift_length,
                         rotation_start=spec.versions[0].rotation_start.replace(tzinfo=UTC),
                         restrictions=[restriction_dict(r) for r in spec.versions[0].restrictions])
            for layer, spec in zip(layers, specs * 1000, strict=True))
        Override.objects.bulk_create(
            Override(organization=organization, schedule=s, user_id=rng.choice(ids), start=at - timedelta(hours=n),
                     end=at + timedelta(hours=1 + n)) for s in schedules[::5] for n in range(2))
        if len(selectors.oncall_now(organization=organization, at=at)) != 1000:
            raise RuntimeError("the scratch database does not hold the 1,000 schedules")
        return median_ms(lambda: selectors.oncall_now(organization=organization, at=at), runs=7)
    finally:
        connection.creation.destroy_test_db(original, verbosity=0)


def main() -> int:
    rng = random.Random(3)
    year = schedule(rng, 1, overrides=100)
    pieces = scheduling.final_pieces(year, SINCE, UNTIL)
    year_ms = median_ms(lambda: scheduling.final_pieces(year, SINCE, UNTIL), runs=51)

    fleet = [schedule(rng, index, overrides=5) for index in range(1000)]
    at = datetime(2025, 7, 15, 10, 30, tzinfo=UTC)
    oncall_ms = median_ms(lambda: [scheduling.final_user_at(spec, at) for spec in fleet], runs=15)

    ok_year, ok_oncall = year_ms <= YEAR_BUDGET_MS, oncall_ms <= ONCALL_BUDGET_MS
    print(f"year of shifts, 3 layers with restrictions + 100 overrides: {year_ms:.1f} ms "
          f"(budget {YEAR_BUDGET_MS:.0f} ms, {len(pieces)} pieces) {'OK' if ok_year else 'OVER BUDGET'}")
    print(f"who is on call on 1,000 schedules: {oncall_ms:.1f} ms "
          f"(budget {ONCALL_BUDGET_MS:.0f} ms) {'OK' if ok_oncall else 'OVER BUDGET'}")
    if "--db" in sys.argv:
        db_ms = db_figure(rng, at)
        ok_oncall = ok_oncall and db_ms <= ONCALL_BUDGET_MS
        print(f"who is on call on 1,000 schedules, loaded from the database (5 queries): {db_ms:.1f} ms "
              f"(budget {ONCALL_BUDGET_MS:.0f} ms) {'OK' if db_ms <= ONCALL_BUDGET_MS else 'OVER BUDGET'}")
    print(f"(medians; {load_note()})")
    return 0 if ok_year and ok_oncall else 1


if __name__ == "__main__":
    sys.exit(main())
