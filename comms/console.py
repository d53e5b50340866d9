"""comms' panels on the admin's incident page (incidents/console.py): the notifications sent
for the incident and their state, straight from the delivery ledger."""

from comms import selectors
from incidents import console


def _notifications(request, incident) -> dict:
    rows = selectors.notifications_for_incident(incident).select_related("recipient")
    return {"notifications": list(rows)}


def register() -> None:
    console.register_panel(console.Panel(key="notifications", title="Notifications", order=90,
                                         template="comms/admin/notifications_panel.html",
                                         context=_notifications))
