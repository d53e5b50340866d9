from tenancy import services
from tenancy.enums import Role
from tests.isolation import IsolationCase
from tests.tenancy.factories import MembershipFactory, UserFactory


def make_membership(org, marker):
    return MembershipFactory(organization=org, role=Role.RESPONDER, user=UserFactory(name=marker))


def make_token(org, marker):
    membership = MembershipFactory(organization=org, role=Role.ADMIN)
    token, _secret = services.api_token_create(organization=org, user=membership.user, name=marker)
    return token


CASES = [
    IsolationCase(
        url_names=("members-list", "members-detail"),
        make=make_membership,
        # Adding org A's member by email to org B is legitimate (people are global): no FK to test.
        creates_without_foreign_keys=True,
        body={"role": "admin"},
    ),
    IsolationCase(
        url_names=("tokens-list", "tokens-detail"),
        make=make_token,
        creates_without_foreign_keys=True,
        body={"name": "stolen"},
    ),
]
