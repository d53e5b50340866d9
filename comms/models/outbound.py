"""State of outbound calls kept in the database: circuit breakers per destination, and beat's last ticks."""

from django.db import models

from tenancy.models import OrganizationOwned


class OutboundCircuit(OrganizationOwned):
    """A circuit breaker for one destination URL of one organization (chat destination, webhook contact
    method, org webhook endpoint). After ``COMMS_CIRCUIT_FAILURES`` failures in a row it is open until
    ``open_until``: sends to it are skipped (and the incident timeline says so) instead of holding a
    worker thread for the whole timeout. Scoped per organization: another org's broken endpoint on the
    same host never opens yours."""

    destination = models.CharField(max_length=64, help_text="Keyed fingerprint of the URL (it is a credential).")
    hint = models.CharField(max_length=200, help_text="The URL, redacted.")
    failures = models.PositiveIntegerField(default=0, help_text="Failures in a row.")
    open_until = models.DateTimeField(null=True, blank=True)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    last_reason = models.CharField(max_length=200, blank=True, help_text="Status code and short reason only.")

    class Meta:
        ordering = ["organization_id", "hint", "id"]
        constraints = [models.UniqueConstraint(fields=["organization", "destination"],
                                               name="outboundcircuit_unique_destination")]

    def __str__(self) -> str:
        return f"{self.hint} ({self.failures} failures)"


class TickerBeat(models.Model):
    """When a beat ticker last ran (one row per ticker name). Not tenant data: /healthz reads it to say
    when beat has stopped."""

    name = models.CharField(max_length=100, unique=True)
    last_run_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at {self.last_run_at:%H:%M:%S}"
