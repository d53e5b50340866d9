"""The one-click acknowledge link (outside the API: the signed token is the credential).

GET shows the incident and a button; POST acknowledges. Mail scanners and chat unfurlers
fetch links with GET, so a GET must never acknowledge. The form needs no CSRF token: a forged
POST would need the unguessable signed token, which is what CSRF protection would add."""

import logging

from django.core import signing
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from comms import ack
from comms.services import paging
from incidents import services as incident_services
from incidents.models import Incident
from tenancy.models import Membership

logger = logging.getLogger(__name__)


def _resolve(token: str):
    try:
        data = ack.read_ack_token(token)
    except signing.SignatureExpired:
        return None, None, "This link has expired. Acknowledge in Foghorn instead."
    except signing.BadSignature:
        return None, None, "This link is not valid."
    incident = Incident.objects.select_related("severity").filter(pk=data["i"], organization_id=data["o"]).first()
    membership = Membership.objects.select_related("user").filter(organization_id=data["o"], user_id=data["u"]).first()
    if incident is None or membership is None or not membership.user.is_active:
        return None, None, "This link is not valid any more."
    return incident, membership.user, ""


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def ack_link(request, token: str):
    incident, user, error = _resolve(token)
    if error:
        return render(request, "comms/ack.html", {"error": error}, status=404 if "valid" in error else 410)
    done = False
    if request.method == "POST":
        incident = incident_services.incident_acknowledge(incident=incident, actor=user, via="link")
        paging.paging_stop(incident=incident, reason=f"acknowledged by {user} (link)")
        done = True
        logger.info("acknowledged by link", extra={"incident_id": incident.pk, "user_id": user.pk})
    return render(request, "comms/ack.html", {"incident": incident, "user": user, "done": done})
