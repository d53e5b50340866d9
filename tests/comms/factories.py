from comms.services import contacts
from oncall import services as oncall_services


def chat_method(org, user, url: str, verified: bool = True):
    method, _secret = contacts.contact_method_create(organization=org, user=user, kind="chat", value=url,
                                                     verified=verified)
    return method


def chain(org, user, *links, urgency="high"):
    """chain(org, user, ("chat", 0), ("email", 5)) replaces the person's chain for ``urgency``."""
    return contacts.notification_rules_set(organization=org, user=user, urgency=urgency,
                                           chain=[{"channel": c, "delay_minutes": d} for c, d in links])


def policy(org, *steps, repeat_count=0, name="Primary"):
    """policy(org, ([alice], 5), ([bob], 5)): each step (users, delay_minutes)."""
    return oncall_services.escalation_policy_create(
        organization=org, name=name, repeat_count=repeat_count,
        steps=[{"users": users, "delay_minutes": delay} for users, delay in steps])


def destination(org, url: str, name="#incidents", severities=("P0", "P1")):
    return contacts.chat_destination_create(organization=org, name=name, url=url, severities=list(severities))
