"""The outbox: store messages, sweep the due ones onto Redis, claim and send each exactly once."""

import contextlib
import logging
import re
import secrets
import smtplib
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import InterfaceError, OperationalError, transaction
from django.db import connection as db_connection
from django.db.models import Case, DateTimeField, F, Q, Value, When
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_noop

from assembly.common.cache import count_in_window, redis_unreachable
from assembly.common.i18n import in_all_languages
from assembly.notify import channels, links, registry, segments, shutdown
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
    _queue_after_commit({item.kind for item in outgoing if item.due_at is None or item.due_at <= now})


def _queue_after_commit(kinds: set[str]) -> None:
    """Once the rows of these kinds are committed, send the due ones: alerts at once, the rest by a sweep."""
    urgent = sorted(kind for kind in kinds if _queue_of(kind) != settings.CELERY_TASK_DEFAULT_QUEUE)
    if urgent:
        # Queued from here, the moment the rows are committed: no task stands between an alert and its sender.
        transaction.on_commit(lambda: _dispatch(lambda: outbox_sweep(kinds=urgent)))
    if len(urgent) < len(kinds):
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
        rows = rows.filter(state__in=[State.SENT, State.DELIVERED, State.FAILED], created_at__lt=sent_before)
    deleted, _detail = rows.delete()
    return deleted


def messages_drop_pending(*, kind: str, object_id: int, recipient_key: str | None = None) -> int:
    """Forget messages not yet sent, e.g. the reminders of a cancelled meeting."""
    pending = Message.objects.filter(kind=kind, object_id=object_id, state=State.PENDING)
    if recipient_key is not None:
        pending = pending.filter(recipient_key=recipient_key)
    deleted, _detail = pending.delete()
    return deleted


def messages_drop_pending_to(*, recipient_keys: list[str], kinds: list[str], object_id: int) -> int:
    """Forget the messages about an object not yet sent to these people (retries included): they lost their part."""
    pending = Message.objects.filter(
        kind__in=kinds, object_id=object_id, recipient_key__in=recipient_keys, state=State.PENDING
    )
    deleted, _detail = pending.delete()
    return deleted


def outbox_sweep(*, now: datetime | None = None, kinds: list[str] | None = None) -> int:
    """Give back claims whose lease ran out and put every due message on its queue; return how many were queued.

    Alerts come first, in the recovery and in the queueing, so a fan-out of reminders never holds one up.
    Redis only carries work: a message queued before Redis lost its data is queued again once
    NOTIFY_REQUEUE_AFTER (NOTIFY_ALERT_REQUEUE_AFTER for alerts) has passed, and the claim in
    outbox_send_batch keeps it from going out twice.
    """
    now = now or timezone.now()
    alert_kinds = _alert_kinds()
    urgent = alert_kinds if kinds is None else [kind for kind in kinds if kind in alert_kinds]
    rest = None if kinds is None else [kind for kind in kinds if kind not in alert_kinds]
    queued = 0
    if urgent:
        _recover(now=now, rows=Message.objects.filter(kind__in=urgent))
        due = _due(now=now, rows=Message.objects.filter(kind__in=urgent), requeue=settings.NOTIFY_ALERT_REQUEUE_AFTER)
        queued += _queue(due, now=now)
    if rest is None or rest:
        rows = Message.objects.exclude(kind__in=alert_kinds) if rest is None else Message.objects.filter(kind__in=rest)
        _recover(now=now, rows=rows)
        limit = max(settings.NOTIFY_MAX_PER_SWEEP - queued, 0)
        queued += _queue(_due(now=now, rows=rows, requeue=settings.NOTIFY_REQUEUE_AFTER)[:limit], now=now)
    return queued


def outbox_sweep_alerts(*, now: datetime | None = None) -> int:
    """The alerts' own sweep, every few seconds: it touches alert rows only, so it stays cheap."""
    kinds = _alert_kinds()
    return outbox_sweep(now=now, kinds=kinds) if kinds else 0


def _alert_kinds() -> list[str]:
    return sorted(registry.kinds_on_queue(settings.ALERTS_QUEUE))


def _recover(*, now: datetime, rows) -> None:
    """Give back the rows whose claim's lease ran out: their worker died, or stopped without giving them back."""
    expired = rows.filter(state=State.SENDING).filter(
        Q(lease_until__lt=now)
        # Claimed before leases existed: as long ago as the longest lease.
        | Q(lease_until__isnull=True, claimed_at__lt=now - timedelta(seconds=settings.NOTIFY_LEASE))
    )
    # A message that keeps killing its worker stops being retried.
    expired.filter(attempts__gte=settings.NOTIFY_MAX_ATTEMPTS).update(
        state=State.FAILED, claim_token=None, lease_until=None, last_error="stuck in sending"
    )
    recovered = expired.update(state=State.PENDING, claim_token=None, lease_until=None, queued_at=None)
    if recovered:
        logger.warning("outbox: gave back %d messages whose claim ran out", recovered)


def _due(*, now: datetime, rows, requeue: int):
    requeue_before = now - timedelta(seconds=requeue)
    return (
        rows.filter(state=State.PENDING, due_at__lte=now)
        .filter(Q(queued_at__isnull=True) | Q(queued_at__lt=requeue_before))
        .order_by("due_at", "id")
        .values_list("id", "kind")[: settings.NOTIFY_MAX_PER_SWEEP]
    )


def _queue(due, *, now: datetime) -> int:
    """Put (id, kind) pairs on their queues in batches of NOTIFY_BATCH_SIZE."""
    from assembly.notify.tasks import send_batch

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


# A database that drops a connection, cancels a query or is locked for a moment is tried again after these
# pauses (about 8 s in all) before the batch gives up; its rows then come back when their lease runs out.
DB_RETRY_DELAYS = (0.25, 0.5, 1.0, 2.0, 4.0)
TRANSIENT_DB_ERRORS = (OperationalError, InterfaceError)


def _db(work, *, what: str):
    """Run a database step, retrying it with backoff over a fresh connection when the error is transient."""
    for delay in (*DB_RETRY_DELAYS, None):
        try:
            return work()
        except TRANSIENT_DB_ERRORS as error:
            if delay is None:
                raise
            logger.warning("outbox: %s failed (%s); trying again in %.2f s", what, type(error).__name__, delay)
            # A dropped connection stays broken until closed; the next query opens a new one.
            with contextlib.suppress(Exception):
                db_connection.close()
            time.sleep(delay)
    raise AssertionError("unreachable")


def _lease_until(now: datetime):
    """How long a claim holds from now, by queue: alerts come back sooner when their worker dies."""
    default = Value(now + timedelta(seconds=settings.NOTIFY_LEASE), output_field=DateTimeField())
    alert_kinds = _alert_kinds()
    if not alert_kinds:
        return default
    alerts = Value(now + timedelta(seconds=settings.NOTIFY_ALERT_LEASE), output_field=DateTimeField())
    return Case(When(kind__in=alert_kinds, then=alerts), default=default, output_field=DateTimeField())


def _release(message_ids, *, token: uuid.UUID, error: str, now: datetime) -> None:
    """Give claimed messages back to the sweep after a temporary failure, later each time."""

    def release() -> None:
        for message in Message.objects.filter(id__in=message_ids, claim_token=token, state=State.SENDING):
            final = message.attempts >= settings.NOTIFY_MAX_ATTEMPTS
            Message.objects.filter(pk=message.pk, claim_token=token).update(
                state=State.FAILED if final else State.PENDING,
                claim_token=None,
                lease_until=None,
                queued_at=None,
                due_at=now + _backoff(message.attempts),
                last_error=error[:200],
            )

    _db(release, what="giving messages back")


def _settle(message: Message, *, token: uuid.UUID, what: str, **fields) -> None:
    """Record the outcome of one message; retried, never left to a resend, when the database falters."""
    fields.update(claim_token=None, lease_until=None)
    _db(lambda: Message.objects.filter(pk=message.pk, claim_token=token).update(**fields), what=what)


class _Claim:
    """A batch's hold on its rows: renews their lease while the batch runs, whatever the relay's speed, and
    gives back the rows not yet started the moment the worker is told to stop.

    The renewal runs in a thread with its own database connection, so a message that takes long to send
    never lets its lease run out while its worker lives; a dead worker renews nothing.
    """

    def __init__(self, token: uuid.UUID) -> None:
        self.token = token
        self.released = False
        self._lock = threading.Lock()
        self._in_hand: int | None = None
        self._done = threading.Event()
        self._every = min(settings.NOTIFY_LEASE, settings.NOTIFY_ALERT_LEASE) / 3
        self._thread = threading.Thread(target=self._run, name="outbox-lease", daemon=True)

    def __enter__(self) -> "_Claim":
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._done.set()
        self._thread.join()

    def take(self, pk: int) -> bool:
        """Start on a message; False when the worker is stopping and the rest of the batch has gone back."""
        with self._lock:
            if shutdown.requested():
                self._give_back_rest()
            if self.released:
                return False
            self._in_hand = pk
            return True

    def _run(self) -> None:
        renew_at = time.monotonic() + self._every
        try:
            # Polled with sleep, not Event.wait(timeout): libfaketime (make clock) hangs timed condition waits.
            while True:
                time.sleep(min(0.02, self._every))
                if self._done.is_set():
                    break
                if shutdown.requested() and not self.released:
                    with self._lock:
                        self._give_back_rest()
                if time.monotonic() >= renew_at:
                    self._renew()
                    renew_at = time.monotonic() + self._every
        finally:
            db_connection.close()

    def _renew(self) -> None:
        try:
            Message.objects.filter(claim_token=self.token, state=State.SENDING).update(
                lease_until=_lease_until(timezone.now())
            )
        except TRANSIENT_DB_ERRORS as error:
            # The next renewal tries again on a new connection; the lease has room for two misses.
            logger.warning("outbox: could not renew a claim: %s", type(error).__name__)
            with contextlib.suppress(Exception):
                db_connection.close()

    def _give_back_rest(self) -> None:
        """With the lock held: the rows not started go back now, as not tried, and straight onto their queues."""
        if self.released:
            return
        self.released = True
        try:
            rest = list(
                Message.objects.filter(claim_token=self.token, state=State.SENDING)
                .exclude(pk=self._in_hand)
                .values_list("id", "kind")
            )
            Message.objects.filter(id__in=[pk for pk, _kind in rest], claim_token=self.token).update(
                state=State.PENDING, claim_token=None, lease_until=None, queued_at=None, attempts=F("attempts") - 1
            )
        except TRANSIENT_DB_ERRORS as error:
            logger.warning("outbox: stopping; could not give back a batch, its lease will: %s", type(error).__name__)
            return
        if rest:
            logger.info("outbox: stopping; gave back %d messages not yet sent", len(rest))
            # Another worker takes them at once; if Redis cannot take them now, the next sweep will.
            _dispatch(lambda: _queue(rest, now=timezone.now()))


def outbox_send_batch(*, message_ids: list[int]) -> int:
    """Claim the given messages with one conditional UPDATE and send the ones won over one SMTP connection."""
    if shutdown.requested():
        # Taken off the queue as the worker stops: the next sweep queues it again at once.
        Message.objects.filter(id__in=message_ids, state=State.PENDING).update(queued_at=None)
        return 0
    now = timezone.now()
    token = uuid.uuid4()
    # Due now, or judged due by the sweep that queued it: a stale second task for a message given back
    # after a failure must not skip its retry delay.
    claimable = Q(due_at__lte=now) | Q(queued_at__gte=F("due_at"))

    def claim() -> list[Message]:
        Message.objects.filter(claimable, id__in=message_ids, state=State.PENDING).update(
            state=State.SENDING,
            claim_token=token,
            claimed_at=now,
            lease_until=_lease_until(now),
            attempts=F("attempts") + 1,
        )
        return list(Message.objects.filter(claim_token=token, state=State.SENDING).order_by("id"))

    claimed = _db(claim, what="claiming messages")
    if not claimed:
        return 0
    by_channel: dict[str, list[Message]] = defaultdict(list)
    for message in claimed:
        by_channel[_channel_of(message.kind)].append(message)
    emails = by_channel.pop("email", [])
    batch = registry.batch_begin()
    try:
        # The batch's recipients in one query per kind of key, rather than one per message.
        _db(lambda: registry.recipients_prefetch(m.recipient_key for m in claimed), what="reading recipients")
        with _Claim(token) as held:
            # Text channels first: an alert's text reaches a phone before its email does.
            sent = sum(_send_texts(rows, channel=channel, claim=held, now=now) for channel, rows in by_channel.items())
            return sent + _send_emails(emails, claim=held, now=now)
    finally:
        registry.batch_end(batch)


def _channel_of(kind: str) -> str:
    try:
        return registry.get_kind(kind).channel
    except KeyError:
        return "email"


def _render(render, message: Message, *, claim: _Claim):
    """Render one message, or mark it failed when it cannot be: a database faltering is retried, not a failure.

    Returns the rendering, None (nothing to send: the row is gone), or False (failed for good).
    """
    try:
        rendered = _db(lambda: render(message), what="rendering a message")
    except TRANSIENT_DB_ERRORS:
        # Still unreachable after the retries: stop the batch; its rows come back when the lease runs out.
        raise
    except Exception as error:
        # A broken template or object must not hold up the rest of the batch.
        logger.exception("outbox: cannot render message %d", message.pk)
        _settle(
            message,
            token=claim.token,
            what="marking a message failed",
            state=State.FAILED,
            last_error=f"render: {type(error).__name__}",
        )
        return False
    if rendered is None:
        _db(lambda: Message.objects.filter(pk=message.pk, claim_token=claim.token).delete(), what="dropping a message")
    return rendered


def _mark_sent(message: Message, *, claim: _Claim, provider_ref: str = "") -> None:
    """Marked right after the server accepted it, retried while the database falters: the one window for a
    duplicate is a crash (or a database gone for longer than the retries) between the server's answer and this.

    The same conditional UPDATE as _settle's, written once: building it with the ORM for each of an alert's
    2,000 messages cost a good part of the worker's time.
    """
    now = timezone.now()
    _db(lambda: _sent_update(message.pk, claim.token, now, (provider_ref or "")[:64]), what="marking a message sent")


def _sent_update(pk: int, token: uuid.UUID, at: datetime, provider_ref: str) -> None:
    meta = Message._meta
    if db_connection.vendor not in _SENT_SQL:
        quote = db_connection.ops.quote_name
        column = {
            name: quote(meta.get_field(name).column)
            for name in ("id", "state", "sent_at", "provider_ref", "claim_token", "lease_until")
        }
        _SENT_SQL[db_connection.vendor] = (
            f"UPDATE {quote(meta.db_table)} SET {column['state']} = %s, {column['sent_at']} = %s, "
            f"{column['provider_ref']} = %s, {column['claim_token']} = NULL, {column['lease_until']} = NULL "
            f"WHERE {column['id']} = %s AND {column['claim_token']} = %s"
        )
    params = [
        str(State.SENT),
        meta.get_field("sent_at").get_db_prep_value(at, db_connection),
        provider_ref,
        pk,
        meta.get_field("claim_token").get_db_prep_value(token, db_connection),
    ]
    with db_connection.cursor() as cursor:
        cursor.execute(_SENT_SQL[db_connection.vendor], params)


_SENT_SQL: dict[str, str] = {}


def _send_texts(claimed: list[Message], *, channel: str, claim: _Claim, now: datetime) -> int:
    """Send claimed text messages (SMS or Signal) one by one through the channel's backend, marking each right after.

    A provider's error is this message's alone: the rest of the batch goes on.
    """
    if not claimed:
        return 0
    token = claim.token
    try:
        backend = channels.get_backend(channel)
    except Exception as error:
        # A channel set up wrong (no backend, a missing setting) holds up its own messages, not the email.
        logger.warning("outbox: the %s backend cannot start: %s", channel, type(error).__name__)
        _release([message.pk for message in claimed], token=token, error=f"{channel}: {type(error).__name__}", now=now)
        return 0
    sent = 0
    for message in claimed:
        if not claim.take(message.pk):
            break
        rendered = _render(render_text, message, claim=claim)
        if not rendered:
            continue
        to, text = rendered
        try:
            provider_ref = backend.send(to=to, text=text)
        except channels.SendError as error:
            if error.permanent:
                _settle(
                    message,
                    token=token,
                    what="marking a message failed",
                    state=State.FAILED,
                    last_error=f"{channel} refused: {error}"[:200],
                )
            else:
                _release([message.pk], token=token, error=f"{channel}: try again: {error}", now=now)
            continue
        except Exception as error:
            # A provider's own error must not hold up the rest of the batch, emails included.
            logger.warning("outbox: the %s backend failed on message %d: %s", channel, message.pk, type(error).__name__)
            _release([message.pk], token=token, error=f"{channel}: {type(error).__name__}", now=now)
            continue
        _mark_sent(message, claim=claim, provider_ref=provider_ref or "")
        sent += 1
    return sent


def render_text(message: Message) -> tuple[str, str] | None:
    """Render a text message in its recipient's language: (number, text), or None when it must not go."""
    try:
        kind = registry.get_kind(message.kind)
    except KeyError:
        return None
    recipient = registry.resolve_recipient(message.recipient_key)
    if recipient is None or not recipient.phone or kind.channel not in recipient.text_channels:
        return None
    with translation.override(recipient.language):
        context = kind.context(message=message, recipient=recipient)
        if context is None:
            return None
        context["site_url"] = settings.SITE_URL
        if not kind.anonymous:
            context["recipient"] = recipient
        # An SMS is folded and fitted to one segment; Signal has no segments and takes it as written.
        (text,) = _rendered(
            kind,
            message,
            context,
            lambda context: (segments.finish(render_to_string(kind.text_template, context), channel=kind.channel),),
        )
    return recipient.phone, text


def text_receive(inbound: registry.InboundText) -> str:
    """Hand a text a person sent to the apps that read them; return the reply to send back ("" for none).

    Nothing of the text is stored here: a handler keeps what it acts on (an answer, a report) and nothing else.
    A text no handler takes gets the short help every app agrees on, which reveals nothing about the sender.
    A number that writes more than INBOUND_PER_SENDER texts in ten minutes (a reply loop with an auto-responder,
    a prankster) is ignored for the rest of the window: nothing is done and nothing is sent back, so it costs
    nothing. An SMS reply is folded to GSM-7 where it can be, which halves what a Spanish reply costs.
    """
    if _inbound_flood(inbound.sender):
        return ""
    reply = ""
    for handler in registry.inbound_handlers():
        reply = handler(inbound)
        if reply:
            break
    reply = reply or unknown_text_reply()
    return segments.fold(reply) if inbound.channel == channels.SMS else reply


# Marked for the catalog; sent in every language at once, since nothing tells which one a stranger reads.
UNKNOWN_TEXT = gettext_noop("Asamblea: reply 1 = coming, 2 = can't, 3 = all clear.")


def unknown_text_reply() -> str:
    return in_all_languages(UNKNOWN_TEXT)


def _inbound_flood(sender: str) -> bool:
    """Count a sender's texts in a ten-minute window, keyed by a keyed hash of the number (never the number).

    With Redis away the count cannot be kept and the text goes through: the provider's signature was checked,
    and an answer to a raid matters more than a flood.
    """
    return count_in_window("inbound-text", sender, seconds=600) > settings.INBOUND_PER_SENDER


def text_reply(*, channel: str, to: str, text: str) -> bool:
    """Send a reply to an inbound text at once, from the request or task that received it; return whether it went.

    Not through Celery: a task's arguments sit in Redis and in worker logs, and a number and a text are personal
    data. Nothing of it is stored; a reply the provider refuses is lost, and the person can text again.
    """
    if not text:
        return False
    try:
        channels.get_backend(channel).send(to=to, text=text)
    except Exception as error:
        logger.warning("replies: the %s provider did not take a reply: %s", channel, type(error).__name__)
        return False
    return True


def _send_emails(claimed: list[Message], *, claim: _Claim, now: datetime) -> int:
    if not claimed:
        return 0
    token = claim.token
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
            if not claim.take(message.pk):
                break
            email = _render(render_email, message, claim=claim)
            if not email:
                continue
            try:
                connection.send_messages([email])
            except (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused) as error:
                code = _smtp_code(error)
                if code >= 500:
                    _settle(
                        message,
                        token=token,
                        what="marking a message failed",
                        state=State.FAILED,
                        last_error=f"SMTP {code}",
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
                _mark_sent(message, claim=claim)
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


def _email_parts(kind: registry.MessageKind):
    def parts(context: dict) -> tuple[str, str, str]:
        subject = " ".join(render_to_string(f"emails/{kind.name}_subject.txt", context).split())
        context = {**context, "subject": subject}
        text = render_to_string(f"emails/{kind.name}_body.txt", context)
        html = render_to_string(f"emails/{kind.name}_body.html", context)
        return subject, text, html

    return parts


# What a personal value may hold to be put in place of its stand-in: it reads the same in a text, in HTML
# (nothing to escape), in GSM-7 (one unit a character) and once folded, and has no spaces to collapse.
_PLAIN_VALUE = re.compile(r"[A-Za-z0-9:/_%?=+.-]{24,}")


def _rendered(kind: registry.MessageKind, message: Message, context: dict, render) -> tuple[str, ...]:
    """render(context) for one message, rendered once per batch for all the messages that differ only in their
    kind's personal values (an alert's answer link), and checked against a whole rendering the first time.

    The texts are rendered with a random stand-in of the same length in place of each personal value, so a
    text message is fitted to its segment exactly as with the value itself; each message's values then replace
    the stand-ins. Only anonymous kinds qualify: the rest put the recipient in the context.
    """
    cache = registry.batch_cache()
    personal = kind.personal if kind.anonymous else ()
    values = [context.get(name) for name in personal]
    if (
        cache is None
        or not personal
        or not all(isinstance(value, str) and _PLAIN_VALUE.fullmatch(value) and "..." not in value for value in values)
    ):
        return render(context)
    key = ("rendered", kind.name, message.object_id, message.occasion, translation.get_language(), *map(len, values))
    shared = cache.get(key)
    if shared is None:
        if "stand-in" not in cache:
            cache["stand-in"] = secrets.token_hex(8)
        stand_ins = [
            f"{cache['stand-in']}{'ghijklmnop'[index % 10]}".ljust(len(value), "x")[: len(value)]
            for index, value in enumerate(values)
        ]
        shaped = render({**context, **dict(zip(personal, stand_ins, strict=True))})
        whole = render(context)
        # Anything that reads a personal value other than as it is (a filter, an escape) renders every time.
        cache[key] = (stand_ins, shaped) if _fill(shaped, stand_ins, values) == whole else False
        return whole
    if shared is False:
        return render(context)
    stand_ins, shaped = shared
    return _fill(shaped, stand_ins, values)


def _fill(shaped: tuple[str, ...], stand_ins: list[str], values: list[str]) -> tuple[str, ...]:
    filled = []
    for text in shaped:
        for stand_in, value in zip(stand_ins, values, strict=True):
            text = text.replace(stand_in, value)
        filled.append(text)
    return tuple(filled)


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
        subject, text, html = _rendered(kind, message, context, _email_parts(kind))
        context["subject"] = subject
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
    deleted, _detail = Message.objects.filter(
        state__in=[State.SENT, State.DELIVERED, State.FAILED], created_at__lt=old
    ).delete()
    return deleted


@transaction.atomic
def messages_resend(*, messages) -> int:
    """Give failed messages (of a queryset, e.g. one assembly's) a fresh start: pending, due now, no attempts yet."""
    now = timezone.now()
    rows = list(messages.filter(state=State.FAILED).values_list("pk", "kind"))
    resent = Message.objects.filter(pk__in=[pk for pk, _kind in rows], state=State.FAILED).update(
        state=State.PENDING,
        attempts=0,
        last_error="",
        due_at=now,
        queued_at=None,
        claimed_at=None,
        claim_token=None,
        lease_until=None,
    )
    _queue_after_commit({kind for _pk, kind in rows})
    return resent
