"""The one door from Slack to status updates: ``/incident update`` and the card's Post update call
``draft`` and ``post``, which are comms' own ``status_update_draft`` / ``status_update_post``, so an
update posted from Slack is validated, rendered, recorded and announced exactly as one from the API."""

from comms.services.status import status_update_draft as draft
from comms.services.status import status_update_post as post

__all__ = ["draft", "post"]
