"""Thin Celery wrappers (ids in, one service call). Slack and Zoom calls go to the ``outbound`` queue,
so a slow Slack never holds up paging. No countdown beyond a minute: due rows are found by the ticker."""

from celery import shared_task

from comms.chatops.services import actions, inbound


@shared_task(name="chatops.perform_action", ignore_result=True, acks_late=True, queue="outbound")
def perform_action(action_id: int) -> str:
    return actions.action_perform(action_id=action_id)


@shared_task(name="chatops.handle_inbound", ignore_result=True, acks_late=True, queue="outbound")
def handle_inbound(inbound_id: int) -> str:
    return inbound.inbound_handle(inbound_id=inbound_id)


@shared_task(name="chatops.tick", ignore_result=True, acks_late=True)
def tick() -> dict:
    """Nudge due ledger rows and undone Slack requests nobody picked up."""
    return {"actions": actions.actions_tick(), "inbound": inbound.inbound_tick()}
