"""What the cross-tenant test needs to know about each org-scoped route.

Each app's tests add ``tests/<app>/isolation.py`` with ``CASES = [IsolationCase(...)]``.
A route under /api/v1/orgs/<org_slug>/ whose URL name no case lists fails the test.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

MARKER = "org-a-private-marker"


@dataclass
class IsolationCase:
    # URL names this case covers, e.g. ("members-list", "members-detail").
    url_names: tuple[str, ...]
    # make(org, marker) creates an object in ``org`` (with ``marker`` in a visible text field
    # where the model has one) and returns it.
    make: Callable
    # url_kwargs(obj) -> every URL kwarg (besides org_slug) the covered routes need.
    url_kwargs: Callable = field(default=lambda obj: {"pk": obj.pk})
    # create_payload(obj_in_org_a, org_b) -> a POST body for org B's list route that points a
    # foreign key at org A's object; the answer must be 400. None: see creates_without_foreign_keys.
    create_payload: Callable | None = None
    # True when the POST body of the list route has no foreign key (nothing to point at org A).
    creates_without_foreign_keys: bool = False
    # Body sent with PUT/PATCH/POST to routes carrying org A's object (the answer must be 404).
    body: dict = field(default_factory=dict)
