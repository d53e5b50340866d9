from django.db import models


class RotationType(models.TextChoices):
    """The unit of a layer's ``shift_length``; every step is taken on the local wall clock."""

    HOURLY = "hourly", "Hourly"
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly"
    MONTHLY = "monthly", "Monthly"


class RestrictionType(models.TextChoices):
    DAILY = "daily_restriction", "Daily"
    WEEKLY = "weekly_restriction", "Weekly"


class NoticeKind(models.TextChoices):
    """What an idempotency row in ``OncallNotice`` stands for."""

    SHIFT_STARTING = "shift_starting", "Your shift starts soon"
    SHIFT_ENDED = "shift_ended", "Your shift has ended"
    GAP_WARNING = "gap_warning", "Schedule has gaps"
