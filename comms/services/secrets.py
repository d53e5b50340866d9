"""Re-encrypting stored secrets after an encryption key rotation (see ``comms/crypto.py``)."""

import logging

from django.db import transaction

from comms import crypto
from comms.models import ChatDestination, ContactMethod, WebhookEndpoint

logger = logging.getLogger(__name__)

ENCRYPTED_FIELDS = (
    (ContactMethod, ("value_encrypted", "secret_encrypted")),
    (ChatDestination, ("url_encrypted",)),
    (WebhookEndpoint, ("url_encrypted", "secret_encrypted")),
)


def secrets_rotate(*, batch_size: int = 500) -> int:
    """Re-encrypt every stored secret with the current first key. Rows are locked a batch at a time,
    so a concurrent edit is never overwritten with an older value. Returns the rows rewritten."""
    rewritten = 0
    for model, fields in ENCRYPTED_FIELDS:
        ids = list(model.objects.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), batch_size):
            with transaction.atomic():
                rows = list(model.objects.select_for_update().filter(pk__in=ids[start:start + batch_size]))
                for row in rows:
                    for field in fields:
                        setattr(row, field, crypto.rotate(getattr(row, field)))
                model.objects.bulk_update(rows, list(fields))
                rewritten += len(rows)
    logger.info("stored secrets re-encrypted", extra={"rows": rewritten})
    return rewritten
