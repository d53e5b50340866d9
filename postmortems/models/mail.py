"""The mail ledger of this app: invitations, reminders, monthly reviews. A row with a unique key is
written before sending, so a reminder goes once per due time whatever the tick rate or a retry."""

from django.db import models
from django.utils import timezone

from postmortems.enums import MailKind, MailState
from tenancy.models import OrganizationOwned


class Mail(OrganizationOwned):
    key = models.CharField(max_length=200, unique=True, help_text="e.g. pm:12:overdue:2026-10-15T14:00:00+00:00")
    kind = models.CharField(max_length=24, choices=MailKind.choices)
    to = models.EmailField()
    subject = models.CharField(max_length=300)
    body = models.TextField()
    ics = models.TextField(blank=True, help_text="An iCalendar attachment (meeting invitations).")
    state = models.CharField(max_length=16, choices=MailState.choices, default=MailState.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    message_id = models.CharField(max_length=200, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "id"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="pm_mail_due")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.to} ({self.state})"
