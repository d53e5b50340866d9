"""Email subscribers of a status page (double opt-in, or imported by an admin with a reason)."""

from django.conf import settings
from django.db import models

from comms.models.status import new_public_id
from comms.statuspage.models.page import StatusComponent
from tenancy.models import OrganizationOwned


class Subscriber(OrganizationOwned):
    """An address that asked for the page's news. No components chosen means all of them.

    Unconfirmed rows expire (``confirm_by``); ``token_version`` is signed into the manage link, so
    unsubscribing (which deletes the row) or a new sign-up makes older links useless."""

    public_id = models.CharField(max_length=24, unique=True, default=new_public_id, editable=False)
    email = models.EmailField(max_length=320)
    components = models.ManyToManyField(StatusComponent, blank=True, related_name="subscribers")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirm_by = models.DateTimeField(null=True, blank=True, help_text="Unconfirmed: deleted after this.")
    token_version = models.PositiveIntegerField(default=1)
    imported_reason = models.CharField(max_length=500, blank=True)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organization", "email"]
        constraints = [models.UniqueConstraint(fields=["organization", "email"], name="subscriber_unique_email")]
        indexes = [models.Index(fields=["confirmed_at", "confirm_by"], name="subscriber_unconfirmed")]

    def __str__(self) -> str:
        return self.email

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None
