"""Beat's pulse: each paging tick records when it ran, so /healthz can say when beat has stopped
(no escalation step, reminder or sweep runs without it)."""

from datetime import datetime

from django.utils import timezone

from comms import conf
from comms.models import TickerBeat

PAGING_TICKER = "comms.paging_advance"


def ticker_beat(name: str, *, now: datetime | None = None) -> None:
    """Record that the ticker ``name`` ran now (one upsert)."""
    TickerBeat.objects.update_or_create(name=name, defaults={"last_run_at": now or timezone.now()})


def beat_report(*, now: datetime | None = None) -> tuple[bool, dict]:
    """(ok, details) for /healthz: stale when the paging ticker has not run for ``COMMS_BEAT_STALE_SECONDS``."""
    now = now or timezone.now()
    last = TickerBeat.objects.filter(name=PAGING_TICKER).values_list("last_run_at", flat=True).first()
    if last is None:
        return False, {"status": "no tick yet", "last_tick_at": None,
                       "message": "Beat has never run the paging ticker: start `celery -A config beat`."}
    age = (now - last).total_seconds()
    if age > conf.beat_stale_seconds():
        return False, {"status": "stale", "last_tick_at": last.isoformat(), "seconds_since": round(age),
                       "message": f"No paging tick for {round(age)} s: is beat running?"}
    return True, {"status": "ok", "last_tick_at": last.isoformat(), "seconds_since": round(age)}
