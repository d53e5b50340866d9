from tenancy import services
from tenancy.enums import Role
from tests.isolation import IsolationCase
from tests.tenancy.factories import MembershipFactory, UserFactory


def make_membership(org, marker):
    return MembershipFactory(organization=org, role=Role.RESPONDER, user=UserFactory(name=marker))


def make_invitation(org, marker):
    inviter = MembershipFactory(organization=org, role=Role.ADMIN).user
    return services.invitation_create(organization=org, email=f"{marker}@example.test", name=marker,
                                      invited_by=inviter)


def make_token(org, marker):
    membership = MembershipFactory(organization=org, role=Role.ADMIN)
    token, _secret = services.api_token_create(organization=org, user=membership.user, name=marker)
    return token


CASES = [
    IsolationCase(
        url_names=("members-list", "members-detail", "members-send-password-reset"),
        make=make_membership,
        # Inviting org A's member by email to org B is allowed: it only sends them an invitation
        # (tests/tenancy/test_invitations.py proves nothing about them is shown). No FK to test.
        creates_without_foreign_keys=True,
        body={"role": "admin"},
    ),
    IsolationCase(
        url_names=("tokens-list", "tokens-detail"),
        make=make_token,
        creates_without_foreign_keys=True,
        body={"name": "stolen"},
    ),
    IsolationCase(
        url_names=("invitations-list", "invitations-detail", "invitations-resend"),
        make=make_invitation,
        creates_without_foreign_keys=True,
        body={"role": "owner"},
    ),
]
