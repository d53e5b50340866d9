"""Thin Celery wrappers of the tenancy app's emails. Each checks the row's state, so a duplicate or
stale message sends nothing."""


from tenancy import services
from tenancy.tasking import task


@task("tenancy.send_invitation", retry_for=(OSError,))
def send_invitation(invitation_id: int, nonce: str) -> bool:
    return services.invitation_email_send(invitation_id=invitation_id, nonce=nonce)


@task("tenancy.send_password_reset", retry_for=(OSError,))
def send_password_reset(user_id: int, requested_by_id: int | None = None) -> bool:
    return services.password_reset_email_send(user_id=user_id, requested_by_id=requested_by_id)


@task("tenancy.invitations_tick")
def invitations_tick() -> int:
    return services.invitations_tick()
