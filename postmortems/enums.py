"""The vocabularies of the postmortems app."""

from django.db import models


class PostMortemStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    PUBLISHED = "published", "Published"


# Moves a post-mortem's status may make (a published one may go back to review for a correction).
POSTMORTEM_MOVES: dict[str, tuple[str, ...]] = {
    PostMortemStatus.DRAFT: (PostMortemStatus.IN_REVIEW, PostMortemStatus.PUBLISHED),
    PostMortemStatus.IN_REVIEW: (PostMortemStatus.DRAFT, PostMortemStatus.PUBLISHED),
    PostMortemStatus.PUBLISHED: (PostMortemStatus.IN_REVIEW,),
}


class EntrySource(models.TextChoices):
    IMPORTED = "imported", "Imported"
    ADDED = "added", "Added"


class ActionItemStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    WONT_DO = "wont_do", "Won't do"


OPEN_ITEM_STATUSES = (ActionItemStatus.OPEN, ActionItemStatus.IN_PROGRESS)
FINISHED_ITEM_STATUSES = (ActionItemStatus.DONE, ActionItemStatus.WONT_DO)


class ActionItemPriority(models.TextChoices):
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


class DrillStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    RUNNING = "running", "Running"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


# What a drill's status may be set to by hand (run/ and complete/ do the rest).
DRILL_SETTABLE_STATUSES = [(DrillStatus.SCHEDULED.value, DrillStatus.SCHEDULED.label),
                           (DrillStatus.CANCELLED.value, DrillStatus.CANCELLED.label)]


class MailKind(models.TextChoices):
    INVITATION = "invitation", "Meeting invitation"
    POSTMORTEM_DUE_SOON = "postmortem_due_soon", "Post-mortem due in 24 h"
    POSTMORTEM_OVERDUE = "postmortem_overdue", "Post-mortem overdue"
    ACTION_ITEM_DUE_SOON = "action_item_due_soon", "Action item due soon"
    ACTION_ITEM_OVERDUE = "action_item_overdue", "Action item overdue"
    MONTHLY_REVIEW = "monthly_review", "Monthly review"


class MailState(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed (gave up)"
