"""A vendor's Statuspage feed that services depend on, polled by beat (the database is the schedule)."""

from django.db import models

from comms.models.status import new_public_id
from incidents.ingestion.models import Integration
from incidents.models import Service
from tenancy.models import OrganizationOwned


class VendorFeed(OrganizationOwned):
    """``url`` is the vendor's ``summary.json``. What it said last is kept here; a new vendor incident is
    written on the open incidents of ``services`` and, with ``raise_alert``, raised as an alert through
    one ``vendor`` integration per service (so it dedups and pages like any other)."""

    public_id = models.CharField(max_length=24, unique=True, default=new_public_id, editable=False)
    name = models.CharField(max_length=200)
    url = models.URLField(max_length=1000)
    services = models.ManyToManyField(Service, blank=True, related_name="+")
    raise_alert = models.BooleanField(default=False)
    integrations = models.ManyToManyField(Integration, blank=True, related_name="+", editable=False)
    enabled = models.BooleanField(default=True)
    indicator = models.CharField(max_length=16, blank=True)
    description = models.CharField(max_length=200, blank=True)
    vendor_components = models.JSONField(default=list, blank=True)
    vendor_incidents = models.JSONField(default=list, blank=True,
                                        help_text="The vendor's unresolved incidents: id, name, status, impact.")
    etag = models.CharField(max_length=200, blank=True)
    next_poll_at = models.DateTimeField(null=True, blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organization", "name", "id"]
        indexes = [models.Index(fields=["enabled", "next_poll_at"], name="vendorfeed_due")]

    def __str__(self) -> str:
        return self.name
