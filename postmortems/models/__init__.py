from postmortems.models.action import ActionItem
from postmortems.models.drill import Drill, TrainingRecord
from postmortems.models.mail import Mail
from postmortems.models.postmortem import PostMortem, TimelineEntry, Why

__all__ = ["ActionItem", "Drill", "Mail", "PostMortem", "TimelineEntry", "TrainingRecord", "Why"]
