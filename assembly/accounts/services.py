import uuid

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from assembly.accounts.messages import EMAIL, TEST_KINDS
from assembly.accounts.models import User
from assembly.notify import channels
from assembly.notify.registry import recipient_key
from assembly.notify.services import Outgoing, messages_enqueue

CHANNEL_FIELDS = {EMAIL: "alerts_by_email", channels.SMS: "alerts_by_sms", channels.SIGNAL: "alerts_by_signal"}


@transaction.atomic
def profile_update(
    *,
    user: User,
    display_name: str,
    language: str,
    phone: str,
    alerts_by_email: bool | None = None,
    alerts_by_sms: bool | None = None,
    alerts_by_signal: bool | None = None,
) -> User:
    """Save the profile; a channel left as None keeps its choice. Without a number, text and Signal are off."""
    user.display_name = display_name
    user.language = language
    user.phone = phone
    fields = ["display_name", "language", "phone"]
    chosen = {"alerts_by_email": alerts_by_email, "alerts_by_sms": alerts_by_sms, "alerts_by_signal": alerts_by_signal}
    if not phone:
        chosen.update(alerts_by_sms=False, alerts_by_signal=False)
    for field, value in chosen.items():
        if value is not None:
            setattr(user, field, value)
            fields.append(field)
    user.save(update_fields=fields)
    return user


def channel_testable(*, user: User, channel: str) -> bool:
    """Whether a test message can go by this channel now: chosen, run by the site, and with a number for texts."""
    if not getattr(user, CHANNEL_FIELDS[channel]):
        return False
    return channel == EMAIL or (bool(user.phone) and channels.enabled(channel))


def channel_test_send(*, user: User, channel: str) -> None:
    """Queue a test message to the person by one channel, in their language; each request sends a new one."""
    messages_enqueue(
        [Outgoing(TEST_KINDS[channel], recipient_key("user", user.pk), user.pk, occasion=uuid.uuid4().hex)]
    )


def sessions_end_all(*, user: User) -> int:
    """Log the person out on every device: a lost or seized phone keeps no open session.

    Sessions live in the database and name their person only inside their signed data, so every live one
    is read; this runs only when someone asks for it or deletes their account.
    """
    mine = [
        session.session_key
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if session.get_decoded().get(SESSION_KEY) == str(user.pk)
    ]
    Session.objects.filter(session_key__in=mine).delete()
    return len(mine)


def sessions_purge_expired() -> int:
    """Delete expired sessions: until then they still name their person on disk."""
    deleted, _detail = Session.objects.filter(expire_date__lte=timezone.now()).delete()
    return deleted


@transaction.atomic
def account_delete(*, user: User) -> None:
    """Erase the person, their sessions everywhere and, through the cascade, everything tied to them.

    Their memberships end as if they left each assembly: seats go to the waitlist, roles to the next person.
    """
    sessions_end_all(user=user)
    user.delete()
