"""Action items: the preventive measures a post-mortem (or an incident) commits to, tracked to done."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from incidents.models import Incident
from postmortems.enums import OPEN_ITEM_STATUSES, ActionItemPriority, ActionItemStatus
from postmortems.models.postmortem import PostMortem
from tenancy.models import OrganizationOwned


class ActionItem(OrganizationOwned):
    """``incident`` is always set (the post-mortem's incident when it belongs to one); ``version`` counts
    changes, so each change is one outbound webhook event."""

    postmortem = models.ForeignKey(PostMortem, on_delete=models.CASCADE, null=True, blank=True,
                                   related_name="action_items")
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="action_items")
    title = models.CharField(max_length=300)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+")
    due_date = models.DateField(null=True, blank=True)
    priority = models.CharField(max_length=8, choices=ActionItemPriority.choices, default=ActionItemPriority.MEDIUM)
    status = models.CharField(max_length=16, choices=ActionItemStatus.choices, default=ActionItemStatus.OPEN)
    done_at = models.DateTimeField(null=True, blank=True)
    tracker_url = models.URLField(max_length=500, blank=True, help_text="The ticket in the team's tracker.")
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organization", "due_date", "id"]
        indexes = [
            models.Index(fields=["organization", "status", "due_date"], name="actionitem_org_due"),
            models.Index(fields=["organization", "owner", "status"], name="actionitem_org_owner"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_overdue(self) -> bool:
        return (self.status in OPEN_ITEM_STATUSES and self.due_date is not None
                and self.due_date < timezone.localdate())
