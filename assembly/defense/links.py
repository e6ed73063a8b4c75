"""The link in an alert: one per person and alert, to answer (or verify) without logging in.

The token names the alert but not the person: a keyed hash of (alert, member) that only this site can
make, matched against the alert's assembly's members when the link is opened. So a link seen in an
access log, or a forwarded message, says nothing of who was alerted.

The link is short, for it must fit in one text message with the alert and how to answer by reply:
`https://<site>/<language>/al/<alert>-<digest>/`, the digest 80 bits written in 16 base32 characters (letters
and 2-7), more than any guessing can reach.
"""

import base64
import hmac
from collections.abc import Callable

from django.utils.crypto import salted_hmac

from assembly.assemblies.models import Membership
from assembly.defense.models import Alert
from assembly.notify.links import absolute_url

ANSWER_SALT = "assembly.defense.alert-answer"
DIGEST_BYTES = 10
DIGEST_LENGTH = 16


def _digest(alert_id: int, membership_id: int) -> str:
    mac = salted_hmac(ANSWER_SALT, f"{alert_id}:{membership_id}", algorithm="sha256").digest()
    return base64.b32encode(mac[:DIGEST_BYTES]).decode().lower()


def answer_token(alert_id: int, membership_id: int) -> str:
    return f"{alert_id}-{_digest(alert_id, membership_id)}"


def alert_and_membership(token: str) -> tuple[Alert, Membership] | None:
    """The alert and the active member a link was made for, or None for a link this site did not make."""
    alert_id, _sep, digest = token.partition("-")
    if not (alert_id.isascii() and alert_id.isdigit() and len(alert_id) < 19 and len(digest) == DIGEST_LENGTH):
        return None
    alert = Alert.objects.select_related("plan__assembly", "zone").filter(pk=int(alert_id)).first()
    if alert is None:
        return None
    members = Membership.objects.filter(
        assembly_id=alert.plan.assembly_id, status=Membership.Status.ACTIVE, user__is_active=True
    ).values_list("pk", flat=True)
    for membership_id in members.iterator():
        if hmac.compare_digest(_digest(alert.pk, membership_id), digest):
            return alert, Membership.objects.select_related("user").get(pk=membership_id)
    return None


def answer_url(alert_id: int, membership_id: int, *, language: str) -> str:
    return absolute_url("alert_answer", language=language, token=answer_token(alert_id, membership_id))


def answer_url_maker(alert_id: int, *, language: str) -> Callable[[int], str]:
    """answer_url for one alert and language, as a function of the member: the URL is reversed once, not per
    member, when a wave of messages each needs one."""
    sample = answer_token(alert_id, 0)
    head, found, tail = answer_url(alert_id, 0, language=language).rpartition(sample)
    if not found:
        return lambda membership_id: answer_url(alert_id, membership_id, language=language)
    return lambda membership_id: f"{head}{answer_token(alert_id, membership_id)}{tail}"
