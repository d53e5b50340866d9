"""Fault injection for the end-to-end fault tests, installed only in a worker started with
``--include tests.e2e.faults`` (``start_worker(faults=...)``). Production code has no hook for it.

``FOGHORN_TEST_FAULT_SLEEP=<point>:<seconds>`` makes the worker sleep there, so a test can SIGKILL it:

- ``advance``: inside the paging ticker's per-run savepoint, the run claimed and nothing committed;
- ``send_step<N>``: a page of policy step N (1-based index N+1) claimed (``sending``) but not yet sent;
- ``campaign_batch``: a campaign's batch claimed (its rows ``sending``) but not yet handed to the ESP.
"""

import os
import time

from comms import channels
from comms.services import campaigns, delivery, paging

POINT, _sep, SECONDS = os.environ.get("FOGHORN_TEST_FAULT_SLEEP", "").partition(":")


def _sleep() -> None:
    time.sleep(float(SECONDS or 0))


def _install() -> None:
    if POINT == "advance":
        advance = paging._advance_locked

        def sleepy_advance(*args, **kwargs):
            _sleep()
            return advance(*args, **kwargs)

        paging._advance_locked = sleepy_advance
    elif POINT.startswith("send_step"):
        step = POINT.removeprefix("send_step")
        send = channels.send

        def sleepy_send(channel, message, target):
            # The idempotency key of a page is run:step:loop:recipient:channel.
            if message.idempotency_key.split(":")[1:2] == [step]:
                _sleep()
            return send(channel, message, target)

        delivery.channels.send = sleepy_send
    elif POINT == "campaign_batch":
        send_batch = campaigns._send_batch

        def sleepy_batch(*args, **kwargs):
            _sleep()
            return send_batch(*args, **kwargs)

        campaigns._send_batch = sleepy_batch


_install()
