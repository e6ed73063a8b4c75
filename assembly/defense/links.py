"""The signed link in an alert: one per person and alert, to answer (or verify) without logging in."""

from django.core import signing

from assembly.notify.links import absolute_url

ANSWER_SALT = "assembly.defense.alert-answer"
# Longer than any alert lives: an expired alert answers "this alert is over", not "bad link".
MAX_AGE = 7 * 24 * 3600


def answer_token(alert_id: int, membership_id: int) -> str:
    return signing.dumps([alert_id, membership_id], salt=ANSWER_SALT)


def ids_from_answer_token(token: str) -> tuple[int, int] | None:
    try:
        alert_id, membership_id = signing.loads(token, salt=ANSWER_SALT, max_age=MAX_AGE)
        return int(alert_id), int(membership_id)
    except (signing.BadSignature, TypeError, ValueError):
        return None


def answer_url(alert_id: int, membership_id: int, *, language: str) -> str:
    return absolute_url("alert_answer", language=language, token=answer_token(alert_id, membership_id))
