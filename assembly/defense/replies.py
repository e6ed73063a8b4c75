"""Answers to alerts by text message or Signal: `1`, `2`, `3` or the words, from the phone the alert went to.

A reply is matched to the newest open alert sent to that number, and does what the answer link does: a verifier's
`1` confirms a report and `3` clears it; a holder's reply is their answer on the board. Nothing of the text is
kept, only the answer it gives. A number the site does not know, or one with no open alert, gets the generic
reply every stranger gets: it tells no one whether the number belongs to a member.
"""

import re
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from assembly.assemblies.models import Membership
from assembly.common.errors import error_text
from assembly.common.phones import phone_normalize
from assembly.defense import alerts
from assembly.defense.forms import AnswerForm
from assembly.defense.models import Alert, AlertAnswer
from assembly.notify.registry import InboundText, recipient_key
from assembly.notify.selectors import latest_object_for

Answer = AlertAnswer.Answer
# What a person may write, once lowercased, without accents and punctuation: digits and words in both languages.
WORDS = {
    Answer.COMING: (
        *("1", "voy", "ya voy", "en camino", "voy en camino", "si"),
        *("on my way", "coming", "im coming", "yes"),
    ),
    Answer.CANNOT: ("2", "no puedo", "no puedo ir", "no", "cant", "cannot", "i cant", "cant come", "i cannot"),
    Answer.CLEAR: ("3", "todo bien", "todo despejado", "despejado", "all clear", "clear"),
}
ANSWERS = {word: answer for answer, words in WORDS.items() for word in words}
# "1 15", "1, 15 min", "voy en 10 minutos", "on my way 20m": the words, then maybe minutes.
REPLY = re.compile(r"(?P<words>.+?)(?:\s+(?:en|in))?(?:\s+(?P<minutes>\d{1,4})\s*(?:m|min|mins|minutes?|minutos?)?)?")
# The answer page's bounds for "I can be there in (minutes)".
ETA_MAX = AnswerForm.base_fields["eta_minutes"].max_value


@dataclass(frozen=True)
class Reply:
    answer: str
    minutes: int | None = None


def plain(text: str) -> str:
    """Lowercase, without accents, apostrophes or punctuation: "¡Sí!" reads "si", "Can't" reads "cant"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    letters = "".join(char for char in decomposed if not unicodedata.combining(char))
    # Straight and curly apostrophes, and the accents phones type in their place.
    letters = re.sub("['\u2019`\u00b4]", "", letters)
    return " ".join(re.sub(r"[^\w]+", " ", letters).split())


def reply_parse(text: str) -> Reply | None:
    """The answer a text gives, with the minutes for "on my way"; None when it is not one of the answers."""
    match = REPLY.fullmatch(plain(text))
    if match is None or match["words"] not in ANSWERS:
        return None
    answer = ANSWERS[match["words"]]
    minutes = match["minutes"]
    if answer != Answer.COMING or minutes is None:
        return Reply(answer)
    return Reply(answer, min(int(minutes), ETA_MAX))


def _latest_alert(sender: str) -> tuple[Alert, Membership] | None:
    """The open alert last sent to this number, and to which of its owner's memberships."""
    phone = phone_normalize(sender) or sender.strip()
    if not phone:
        return None
    memberships = {
        recipient_key("membership", membership.pk): membership
        for membership in Membership.objects.filter(
            user__phone=phone, user__is_active=True, status=Membership.Status.ACTIVE
        ).select_related("user")
    }
    open_alerts = Alert.objects.filter(status__in=Alert.OPEN, expires_at__gt=timezone.now()).values("pk")
    found = latest_object_for(keys=list(memberships), kinds=[*alerts.ASK_VERIFY, *alerts.BROADCAST], among=open_alerts)
    if found is None:
        return None
    alert_id, key = found
    alert = Alert.objects.select_related("plan", "zone").filter(pk=alert_id).first()
    if alert is None:
        return None
    return alert, memberships[key]


def _verify(alert: Alert, membership: Membership, reply: Reply) -> str | None:
    """A verifier's reply to a report; None when the alert was verified meanwhile and the reply is an answer."""
    if reply.answer == Answer.CANNOT:
        return _("Asamblea: got it, you can't check. Nothing changes: someone else will check.")
    try:
        alerts.alert_verify(alert=alert, membership=membership, confirm=reply.answer == Answer.COMING)
    except ValidationError:
        alert.refresh_from_db(fields=["status"])
        if alert.status == Alert.Status.VERIFIED:
            return None
        raise
    if reply.answer == Answer.COMING:
        return _("Asamblea: thank you. The alert is verified: everyone with a role in the zone is alerted.")
    return _("Asamblea: thank you. The report is cleared: nobody else is alerted.")


def _answer(alert: Alert, membership: Membership, reply: Reply) -> str:
    alerts.alert_answer(alert=alert, membership=membership, answer=reply.answer, eta_minutes=reply.minutes)
    if reply.answer == Answer.COMING and reply.minutes is not None:
        return _("Asamblea: got it, you're coming, in about %(minutes)d min. Reply 2 if that changes.") % {
            "minutes": reply.minutes
        }
    return {
        Answer.COMING: _("Asamblea: got it, you're coming. Reply 2 if that changes."),
        Answer.CANNOT: _("Asamblea: got it, you can't come. Thank you for saying so. Reply 1 if that changes."),
        Answer.CLEAR: _("Asamblea: got it, all clear where you are. Reply 1 or 2 if that changes."),
    }[reply.answer]


def _help(alert: Alert, membership: Membership) -> str:
    if alert.status == Alert.Status.UNVERIFIED and alerts.can_verify(alert, membership):
        return _("Asamblea: reply 1 if you saw it (everyone is alerted), 2 if you can't check, 3 if nothing is there.")
    return _("Asamblea: reply 1 if you're coming (1 15 = in 15 min), 2 if you can't, 3 if all is clear.")


def _only_asked(alert: Alert, membership: Membership) -> bool:
    """Whether the person was asked to verify an alert that is verified now, and holds no role in its zone.

    A coordinator, a dispatcher on duty, a neighboring verifier: someone else verified it, so their reply is
    neither a verification nor an answer. Someone who was called out and released their role since is not one.
    Asked only when an answer was refused: the usual reply pays nothing for it.
    """
    alert.refresh_from_db(fields=["status"])
    if alert.status != Alert.Status.VERIFIED or alerts.is_holder(alert, membership):
        return False
    key = recipient_key("membership", membership.pk)
    return latest_object_for(keys=[key], kinds=list(alerts.BROADCAST), among=[alert.pk]) is None


def reply_receive(inbound: InboundText) -> str | None:
    """Act on a reply to an alert and say, in the person's language, what was recorded.

    None for a number with no open alert, known or not: the generic reply then answers, the same for everyone.
    """
    found = _latest_alert(inbound.sender)
    if found is None:
        return None
    alert, membership = found
    with translation.override(membership.user.language):
        reply = reply_parse(inbound.text)
        if reply is None:
            return _help(alert, membership)
        try:
            if alert.status == Alert.Status.UNVERIFIED and alerts.can_verify(alert, membership):
                done = _verify(alert, membership, reply)
                if done is not None:
                    return done
            return _answer(alert, membership, reply)
        except ValidationError as error:
            if _only_asked(alert, membership):
                return _("Asamblea: it is already verified. Thank you.")
            return f"Asamblea: {error_text(error)}"
