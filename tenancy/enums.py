from django.db import models


class Role(models.TextChoices):
    """Membership roles, weakest first. Compare with ``Role.rank``."""

    VIEWER = "viewer", "Viewer"
    RESPONDER = "responder", "Responder"
    ADMIN = "admin", "Admin"
    OWNER = "owner", "Owner"

    @classmethod
    def rank(cls, role: str) -> int:
        return list(cls.values).index(role)

    @classmethod
    def at_least(cls, role: str, required: str) -> bool:
        return cls.rank(role) >= cls.rank(required)

    @classmethod
    def admin_roles(cls) -> tuple[str, str]:
        return (cls.ADMIN, cls.OWNER)
