"""The outbox: store messages, sweep the due ones onto Redis, claim and send each exactly once."""

import contextlib
import logging
import smtplib
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac

from assembly.common.cache import redis_unreachable
from assembly.notify import links, registry, sms
from assembly.notify.models import Message, OptOut

logger = logging.getLogger(__name__)
State = Message.State


@dataclass(frozen=True)
class Outgoing:
    """A message to queue: who, what kind, about which object, on which occasion, and when."""

    kind: str
    recipient_key: str
    object_id: int
    occasion: str = ""
    due_at: datetime | None = None


def messages_enqueue(outgoing: list[Outgoing]) -> None:
    """Store messages once each (a repeat is ignored) and, after commit, send the ones due now."""
    if not outgoing:
        return
    now = timezone.now()
    Message.objects.bulk_create(
        [
            Message(
                kind=item.kind,
                recipient_key=item.recipient_key,
                object_id=item.object_id,
                occasion=item.occasion,
                due_at=item.due_at or now,
            )
            for item in outgoing
        ],
        ignore_conflicts=True,
        batch_size=500,
    )
    due = [item for item in outgoing if item.due_at is None or item.due_at <= now]
    if not due:
        return
    urgent = sorted({item.kind for item in due if _queue_of(item.kind) != settings.CELERY_TASK_DEFAULT_QUEUE})
    if urgent:
        # Queued from here, the moment the rows are committed: no task stands between an alert and its sender.
        transaction.on_commit(lambda: _dispatch(lambda: outbox_sweep(kinds=urgent)))
    if len(urgent) < len({item.kind for item in due}):
        from assembly.notify.tasks import sweep

        transaction.on_commit(lambda: _dispatch(sweep.delay))


def _dispatch(send) -> None:
    """Hand due rows to Redis now; if Redis cannot take them, the beat sweep will: the rows are committed."""
    if redis_unreachable():
        # Redis failed this process moments ago: the person's request should not wait for it to fail again.
        return
    try:
        send()
    except Exception:
        logger.warning("outbox: could not queue due messages now; the next sweep will", exc_info=True)


def messages_forget_recipient(*, recipient_key: str, kind: str | None = None, object_ids=None) -> int:
    """Erase the message rows for someone who is gone: the rows say what they were told, and when.

    `kind` and `object_ids` (ids or a subquery) narrow it to the messages about what they lost access to.
    """
    rows = Message.objects.filter(recipient_key=recipient_key)
    if kind is not None:
        rows = rows.filter(kind=kind)
    if object_ids is not None:
        rows = rows.filter(object_id__in=object_ids)
    deleted, _detail = rows.delete()
    return deleted


def messages_keys(*, kind: str, object_id: int) -> list[str]:
    """Who a kind of message about an object was for (sent or not)."""
    return list(Message.objects.filter(kind=kind, object_id=object_id).values_list("recipient_key", flat=True))


def messages_erase(*, kinds: list[str], object_id: int | None = None, sent_before: datetime | None = None) -> int:
    """Forget that messages were sent: the rows of an ended alert say who was alerted."""
    rows = Message.objects.filter(kind__in=kinds)
    if object_id is not None:
        rows = rows.filter(object_id=object_id)
    if sent_before is not None:
        rows = rows.filter(state__in=[State.SENT, State.FAILED], created_at__lt=sent_before)
    deleted, _detail = rows.delete()
    return deleted


def messages_drop_pending(*, kind: str, object_id: int, recipient_key: str | None = None) -> int:
    """Forget messages not yet sent, e.g. the reminders of a cancelled meeting."""
    pending = Message.objects.filter(kind=kind, object_id=object_id, state=State.PENDING)
    if recipient_key is not None:
        pending = pending.filter(recipient_key=recipient_key)
    deleted, _detail = pending.delete()
    return deleted


def outbox_sweep(*, now: datetime | None = None, kinds: list[str] | None = None) -> int:
    """Recover stuck claims and put every due message on its queue; return how many were queued.

    Redis only carries work: a message queued before Redis lost its data is queued again once
    NOTIFY_REQUEUE_AFTER has passed, and the claim in outbox_send_batch keeps it from going out twice.
    """
    from assembly.notify.tasks import send_batch

    now = now or timezone.now()
    stuck_before = now - timedelta(seconds=settings.NOTIFY_STUCK_AFTER)
    stuck = Message.objects.filter(state=State.SENDING, claimed_at__lt=stuck_before)
    if kinds is not None:
        stuck = stuck.filter(kind__in=kinds)
    # A message that keeps killing its worker stops being retried.
    stuck.filter(attempts__gte=settings.NOTIFY_MAX_ATTEMPTS).update(
        state=State.FAILED, claim_token=None, last_error="stuck in sending"
    )
    recovered = stuck.update(state=State.PENDING, claim_token=None, queued_at=None)
    if recovered:
        logger.warning("outbox: recovered %d messages stuck in sending", recovered)

    requeue_before = now - timedelta(seconds=settings.NOTIFY_REQUEUE_AFTER)
    pending = Message.objects.filter(state=State.PENDING, due_at__lte=now)
    if kinds is not None:
        pending = pending.filter(kind__in=kinds)
    due = (
        pending.filter(Q(queued_at__isnull=True) | Q(queued_at__lt=requeue_before))
        .order_by("due_at", "id")
        .values_list("id", "kind")[: settings.NOTIFY_MAX_PER_SWEEP]
    )
    by_queue: dict[str, list[int]] = defaultdict(list)
    for message_id, kind in due:
        by_queue[_queue_of(kind)].append(message_id)
    size = settings.NOTIFY_BATCH_SIZE
    queued = 0
    for queue, ids in by_queue.items():
        for start in range(0, len(ids), size):
            chunk = ids[start : start + size]
            Message.objects.filter(id__in=chunk, state=State.PENDING).update(queued_at=now)
            try:
                send_batch.apply_async(kwargs={"message_ids": chunk}, queue=queue)
            except Exception:
                # Not queued after all: the next sweep takes them at once, not NOTIFY_REQUEUE_AFTER later.
                Message.objects.filter(id__in=chunk, state=State.PENDING, queued_at=now).update(queued_at=None)
                raise
            queued += len(chunk)
    return queued


def _queue_of(kind: str) -> str:
    try:
        return registry.get_kind(kind).queue
    except KeyError:
        return "celery"


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(60 * 2 ** max(attempts - 1, 0), 3600))


def _smtp_code(error: smtplib.SMTPException) -> int:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return min(code for code, _text in error.recipients.values())
    return error.smtp_code


def _release(message_ids, *, token: uuid.UUID, error: str, now: datetime) -> None:
    """Give claimed messages back to the sweep after a temporary failure, later each time."""
    for message in Message.objects.filter(id__in=message_ids, claim_token=token, state=State.SENDING):
        final = message.attempts >= settings.NOTIFY_MAX_ATTEMPTS
        Message.objects.filter(pk=message.pk, claim_token=token).update(
            state=State.FAILED if final else State.PENDING,
            claim_token=None,
            queued_at=None,
            due_at=now + _backoff(message.attempts),
            last_error=error[:200],
        )


def outbox_send_batch(*, message_ids: list[int]) -> int:
    """Claim the given messages with one conditional UPDATE and send the ones won over one SMTP connection."""
    now = timezone.now()
    token = uuid.uuid4()
    # Due now, or judged due by the sweep that queued it: a stale second task for a message given back
    # after a failure must not skip its retry delay.
    claimable = Q(due_at__lte=now) | Q(queued_at__gte=F("due_at"))
    won = Message.objects.filter(claimable, id__in=message_ids, state=State.PENDING).update(
        state=State.SENDING, claim_token=token, claimed_at=now, attempts=F("attempts") + 1
    )
    if not won:
        return 0
    claimed = list(Message.objects.filter(claim_token=token, state=State.SENDING).order_by("id"))
    texts = [message for message in claimed if _channel_of(message.kind) == "sms"]
    emails = [message for message in claimed if _channel_of(message.kind) != "sms"]
    batch = registry.batch_begin()
    try:
        return _send_texts(texts, token=token, now=now) + _send_emails(emails, token=token, now=now)
    finally:
        registry.batch_end(batch)


def _channel_of(kind: str) -> str:
    try:
        return registry.get_kind(kind).channel
    except KeyError:
        return "email"


def _send_texts(claimed: list[Message], *, token: uuid.UUID, now: datetime) -> int:
    """Send claimed text messages one by one through the SMS backend, marking each right after."""
    if not claimed:
        return 0
    backend = sms.get_backend()
    sent = 0
    for message in claimed:
        try:
            rendered = render_text(message)
        except Exception as error:
            logger.exception("outbox: cannot render message %d", message.pk)
            Message.objects.filter(pk=message.pk, claim_token=token).update(
                state=State.FAILED, claim_token=None, last_error=f"render: {type(error).__name__}"
            )
            continue
        if rendered is None:
            Message.objects.filter(pk=message.pk, claim_token=token).delete()
            continue
        to, text = rendered
        try:
            backend.send(to=to, text=text)
        except sms.SmsError as error:
            if error.permanent:
                Message.objects.filter(pk=message.pk, claim_token=token).update(
                    state=State.FAILED, claim_token=None, last_error="sms refused"
                )
            else:
                _release([message.pk], token=token, error="sms: try again", now=now)
            continue
        except Exception as error:
            # A provider's own error must not hold up the rest of the batch, emails included.
            logger.warning("outbox: the SMS backend failed on message %d: %s", message.pk, type(error).__name__)
            _release([message.pk], token=token, error=f"sms: {type(error).__name__}", now=now)
            continue
        Message.objects.filter(pk=message.pk, claim_token=token).update(
            state=State.SENT, sent_at=timezone.now(), claim_token=None
        )
        sent += 1
    return sent


def render_text(message: Message) -> tuple[str, str] | None:
    """Render a text message in its recipient's language: (number, text), or None when it must not go."""
    try:
        kind = registry.get_kind(message.kind)
    except KeyError:
        return None
    recipient = registry.resolve_recipient(message.recipient_key)
    if recipient is None or not recipient.phone:
        return None
    with translation.override(recipient.language):
        context = kind.context(message=message, recipient=recipient)
        if context is None:
            return None
        context["site_url"] = settings.SITE_URL
        if not kind.anonymous:
            context["recipient"] = recipient
        text = " ".join(render_to_string(f"sms/{kind.name}.txt", context).split())
    return recipient.phone, text


def _send_emails(claimed: list[Message], *, token: uuid.UUID, now: datetime) -> int:
    if not claimed:
        return 0
    connection = get_connection(fail_silently=False)
    try:
        connection.open()
    except (smtplib.SMTPException, OSError) as error:
        logger.warning("outbox: cannot reach the mail server: %s", type(error).__name__)
        _release([m.pk for m in claimed], token=token, error=f"connect: {type(error).__name__}", now=now)
        return 0
    sent = 0
    try:
        for position, message in enumerate(claimed):
            try:
                email = render_email(message)
            except Exception as error:
                # A broken template or object must not hold up the rest of the batch.
                logger.exception("outbox: cannot render message %d", message.pk)
                Message.objects.filter(pk=message.pk, claim_token=token).update(
                    state=State.FAILED, claim_token=None, last_error=f"render: {type(error).__name__}"
                )
                continue
            if email is None:
                Message.objects.filter(pk=message.pk, claim_token=token).delete()
                continue
            try:
                connection.send_messages([email])
            except (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused) as error:
                code = _smtp_code(error)
                if code >= 500:
                    Message.objects.filter(pk=message.pk, claim_token=token).update(
                        state=State.FAILED, claim_token=None, last_error=f"SMTP {code}"
                    )
                else:
                    _release([message.pk], token=token, error=f"SMTP {code}", now=now)
                if code == 421:
                    _release([m.pk for m in claimed[position + 1 :]], token=token, error="SMTP 421", now=now)
                    break
            except (smtplib.SMTPException, OSError) as error:
                # The connection is gone: this message and the rest go back to the sweep.
                rest = [m.pk for m in claimed[position:]]
                _release(rest, token=token, error=f"send: {type(error).__name__}", now=now)
                break
            else:
                # Marked right after the server accepted it: the one window for a duplicate is a crash
                # between the server's answer and this UPDATE.
                Message.objects.filter(pk=message.pk, claim_token=token).update(
                    state=State.SENT, sent_at=timezone.now(), claim_token=None
                )
                sent += 1
    finally:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            connection.close()
    return sent


def message_id(message: Message) -> str:
    """The same Message-ID every time a row is sent, so mail clients fold a repeat after a crash into one.

    Keyed on the row's identity, so another row (on another site, or after a database reset) never shares it,
    and nothing in it says whom the message is for.
    """
    identity = f"{message.pk}:{message.kind}:{message.recipient_key}:{message.object_id}:{message.occasion}"
    digest = salted_hmac("assembly.notify.message_id", identity).hexdigest()[:20]
    return f"<{digest}.m{message.pk}@{settings.EMAIL_MESSAGE_ID_DOMAIN}>"


def render_email(message: Message) -> EmailMultiAlternatives | None:
    """Render a message in its recipient's language, or None when it must not be sent any more."""
    try:
        kind = registry.get_kind(message.kind)
    except KeyError:
        logger.error("outbox: message %d has an unknown kind %s", message.pk, message.kind)
        return None
    recipient = registry.resolve_recipient(message.recipient_key)
    if recipient is None or not recipient.email:
        return None
    if kind.optional and OptOut.objects.filter(preference_key=recipient.preference_key, kind=kind.name).exists():
        return None
    with translation.override(recipient.language):
        context = kind.context(message=message, recipient=recipient)
        if context is None:
            return None
        context["site_url"] = settings.SITE_URL
        if not kind.anonymous:
            context.update(
                recipient=recipient,
                preferences_url=links.preferences_url(recipient.preference_key, language=recipient.language),
            )
        subject = " ".join(render_to_string(f"emails/{kind.name}_subject.txt", context).split())
        context["subject"] = subject
        text = render_to_string(f"emails/{kind.name}_body.txt", context)
        html = render_to_string(f"emails/{kind.name}_body.html", context)
        attachments = kind.attachments(context)
    headers = {
        "Message-ID": message_id(message),
        "Auto-Submitted": "auto-generated",
    }
    if not kind.anonymous:
        unsubscribe = links.unsubscribe_url(recipient.preference_key, language=recipient.language)
        headers.update({"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})
    email = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
        headers=headers,
    )
    email.attach_alternative(html, "text/html")
    for attachment in attachments:
        email.attach(attachment.filename, attachment.content, attachment.mimetype)
    return email


@transaction.atomic
def preferences_save(*, preference_key: str, muted_kinds: set[str]) -> None:
    optional = {kind.name for kind in registry.optional_kinds()}
    muted = muted_kinds & optional
    OptOut.objects.filter(preference_key=preference_key).exclude(kind__in=muted).delete()
    OptOut.objects.bulk_create(
        [OptOut(preference_key=preference_key, kind=kind) for kind in sorted(muted)], ignore_conflicts=True
    )


def preferences_muted(*, preference_key: str) -> set[str]:
    return set(OptOut.objects.filter(preference_key=preference_key).values_list("kind", flat=True))


def outbox_purge(*, now: datetime | None = None) -> int:
    """Erase sent and failed messages after NOTIFY_KEEP_DAYS: what is not kept cannot be seized."""
    now = now or timezone.now()
    old = now - timedelta(days=settings.NOTIFY_KEEP_DAYS)
    deleted, _detail = Message.objects.filter(state__in=[State.SENT, State.FAILED], created_at__lt=old).delete()
    return deleted


@transaction.atomic
def messages_resend(*, messages) -> int:
    """Give failed messages (of a queryset, e.g. one assembly's) a fresh start: pending, due now, no attempts yet."""
    now = timezone.now()
    rows = list(messages.filter(state=State.FAILED).values_list("pk", "kind"))
    resent = Message.objects.filter(pk__in=[pk for pk, _kind in rows], state=State.FAILED).update(
        state=State.PENDING, attempts=0, last_error="", due_at=now, queued_at=None, claimed_at=None, claim_token=None
    )
    kinds = {kind for _pk, kind in rows}
    urgent = sorted(kind for kind in kinds if _queue_of(kind) != settings.CELERY_TASK_DEFAULT_QUEUE)
    if urgent:
        transaction.on_commit(lambda: _dispatch(lambda: outbox_sweep(kinds=urgent)))
    if len(urgent) < len(kinds):
        from assembly.notify.tasks import sweep

        transaction.on_commit(lambda: _dispatch(sweep.delay))
    return resent
