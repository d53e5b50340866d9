"""Every write of the postmortems app (keyword-only, one transaction each)."""

from postmortems.services.actions import action_item_create, action_item_update
from postmortems.services.drills import (
    drill_complete,
    drill_create,
    drill_run,
    drill_update,
    object_delete,
    training_record_create,
    training_record_update,
)
from postmortems.services.mail import mail_queue, mails_send_due, mails_tick
from postmortems.services.meeting import monthly_reviews_queue, postmortem_schedule
from postmortems.services.postmortem import (
    close_guard,
    on_resolved,
    postmortem_open,
    postmortem_timeline_add,
    postmortem_timeline_set,
    postmortem_update,
    postmortem_waive,
    postmortem_whys_set,
)

__all__ = [
    "action_item_create",
    "action_item_update",
    "close_guard",
    "drill_complete",
    "drill_create",
    "drill_run",
    "drill_update",
    "mail_queue",
    "mails_send_due",
    "mails_tick",
    "monthly_reviews_queue",
    "object_delete",
    "on_resolved",
    "postmortem_open",
    "postmortem_schedule",
    "postmortem_timeline_add",
    "postmortem_timeline_set",
    "postmortem_update",
    "postmortem_waive",
    "postmortem_whys_set",
    "training_record_create",
    "training_record_update",
]
