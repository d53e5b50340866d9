"""Every write of the oncall app, one function a use case (keyword-only, transaction inside):

- ``schedules``: schedules with their layers (``layer_inputs`` holds the merge rules of a
  layer write), single-layer renames/deletes, overrides;
- ``escalation``: escalation policies with their steps, responder groups;
- ``feeds``: iCal feeds and handoff preferences;
- ``notices``: handoff notices and gap warnings (the on-call emails, beat-driven);
- ``membership``: a person leaving the org leaves its on-call (a tenancy hook).

Import the package (``from oncall import services``); the modules are its parts.
"""

from oncall.services.escalation import (
    escalation_policy_create,
    escalation_policy_delete,
    escalation_policy_update,
    responder_group_create,
    responder_group_delete,
    responder_group_update,
)
from oncall.services.feeds import ical_feed_revoke, ical_feed_rotate, oncall_preference_delete, oncall_preference_update
from oncall.services.layer_inputs import layers_complete
from oncall.services.membership import member_leave_oncall
from oncall.services.notices import gap_warnings_send, handoff_notices_send
from oncall.services.schedules import (
    ROTATION_FIELDS,
    layer_delete,
    layer_update,
    override_create,
    override_delete,
    override_update,
    schedule_create,
    schedule_delete,
    schedule_update,
)

__all__ = [
    "ROTATION_FIELDS",
    "escalation_policy_create",
    "escalation_policy_delete",
    "escalation_policy_update",
    "gap_warnings_send",
    "handoff_notices_send",
    "ical_feed_revoke",
    "ical_feed_rotate",
    "layer_delete",
    "layer_update",
    "layers_complete",
    "member_leave_oncall",
    "oncall_preference_delete",
    "oncall_preference_update",
    "override_create",
    "override_delete",
    "override_update",
    "responder_group_create",
    "responder_group_delete",
    "responder_group_update",
    "schedule_create",
    "schedule_delete",
    "schedule_update",
]
