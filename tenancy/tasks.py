"""Thin Celery wrappers of the tenancy app's emails. Each checks the row's state, so a duplicate or
stale message sends nothing."""

from celery import shared_task

from tenancy import services


@shared_task(name="tenancy.send_invitation", ignore_result=True, acks_late=True, autoretry_for=(OSError,),
             retry_backoff=True)
def send_invitation(invitation_id: int, nonce: str) -> bool:
    return services.invitation_email_send(invitation_id=invitation_id, nonce=nonce)


@shared_task(name="tenancy.send_password_reset", ignore_result=True, acks_late=True, autoretry_for=(OSError,),
             retry_backoff=True)
def send_password_reset(user_id: int, requested_by_id: int | None = None) -> bool:
    return services.password_reset_email_send(user_id=user_id, requested_by_id=requested_by_id)


@shared_task(name="tenancy.invitations_tick", ignore_result=True, acks_late=True)
def invitations_tick() -> int:
    return services.invitations_tick()
