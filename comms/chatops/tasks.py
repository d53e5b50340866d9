"""Thin Celery wrappers (ids in, one service call). Slack and Zoom calls go to the ``outbound`` queue,
so a slow Slack never holds up paging. No countdown beyond a minute: due rows are found by the ticker."""


from comms.chatops.services import actions, inbound
from tenancy.tasking import task


@task("chatops.perform_action", queue="outbound")
def perform_action(action_id: int) -> str:
    return actions.action_perform(action_id=action_id)


@task("chatops.handle_inbound", queue="outbound")
def handle_inbound(inbound_id: int) -> str:
    return inbound.inbound_handle(inbound_id=inbound_id)


@task("chatops.tick")
def tick() -> dict:
    """Nudge due ledger rows and undone Slack requests nobody picked up."""
    return {"actions": actions.actions_tick(), "inbound": inbound.inbound_tick()}
