"""Alerts: raised on an active plan, routed to verifiers until verified, then to every role holder in the zone.

When an alert ends (closed, cleared or expired) its location and details are erased and its answers are
reduced to counts: what is not kept cannot be seized.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import formats, timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from modeltranslation.utils import build_localized_fieldname

from assembly.assemblies.models import Membership, Zone
from assembly.common.phones import phone_display
from assembly.defense import selectors, shifts
from assembly.defense.models import Alert, AlertAnswer, AlertEvent, Claim, GamePlan
from assembly.notify import channels, segments
from assembly.notify.registry import recipient_key
from assembly.notify.selectors import delivery_counts
from assembly.notify.services import Outgoing, messages_enqueue, messages_erase, messages_keys

Status = Alert.Status
TRANSLATED_DETAILS = ("location", "activity", "uniforms", "vehicles")
DISPATCHER, VERIFIER = "dispatcher", "verifier"
# Each alert goes out by the channels each person chose (email, text message, Signal): the kinds of one occasion,
# the email's first.
ASK_VERIFY = ("alert_verify", "alert_verify_sms", "alert_verify_signal")
BROADCAST = ("alert", "alert_sms", "alert_signal")
OVER = ("alert_over", "alert_over_sms", "alert_over_signal")
# A dispatcher's update to everyone alerted: one occasion per update, so each goes out once.
UPDATE = ("alert_update", "alert_update_sms", "alert_update_signal")
# The email telling a dispatcher an alert was handed to them.
HANDED = "alert_handed"
# How far an unverified alert goes up: 1 the dispatcher on duty and the coordinators, 2 the neighboring zones.
LAST_STEP = 2
# A hand-off's note goes by email; an update goes out as a text message too, and must fit one segment beside the
# zone and the answer link (68 characters with a long site address), drills included: 60 of the 160 units.
NOTE_LENGTH = 280
UPDATE_LENGTH = 60
# A sighting may be typed a little ahead of the server's clock (a phone's clock runs fast); no further.
SEEN_AT_SKEW = timedelta(minutes=5)


def _holders_query(plan_id: int, zone_id: int, *, kind: str | None = None) -> QuerySet[Claim]:
    """The claims that make a holder: active members holding a role of the plan in the zone, or in its whole area."""
    claims = Claim.objects.filter(
        Q(role__zone_id=zone_id) | Q(role__zone__isnull=True),
        role__plan_id=plan_id,
        membership__status=Membership.Status.ACTIVE,
    )
    if kind is not None:
        claims = claims.filter(role__kind__key=kind)
    return claims


def _holders(plan: GamePlan, zone: Zone, *, kind: str | None = None) -> list[int]:
    """Active members holding a role of the plan in the zone, or in the plan's whole area."""
    return sorted(set(_holders_query(plan.pk, zone.pk, kind=kind).values_list("membership_id", flat=True)))


def _is_holder(plan_id: int, zone_id: int, membership_id: int, *, kind: str | None = None) -> bool:
    """Whether one member is among the holders: one indexed look, however many hold a role in the zone."""
    return _holders_query(plan_id, zone_id, kind=kind).filter(membership_id=membership_id).exists()


def can_raise(plan: GamePlan, membership: Membership | None, zone: Zone | None = None) -> bool:
    """Coordinators, and the plan's dispatchers for their zone (or any zone, when they dispatch the whole area).

    A dispatcher must still be a facilitator: losing that rank ends the powers the claim gave.
    """
    if membership is None or not membership.is_active:
        return False
    if membership.has_role(Membership.Role.COORDINATOR):
        return True
    if not membership.has_role(Membership.Role.FACILITATOR):
        return False
    zones = set(
        Claim.objects.filter(role__plan=plan, role__kind__key=DISPATCHER, membership=membership).values_list(
            "role__zone_id", flat=True
        )
    )
    return bool(zones) and (zone is None or None in zones or zone.pk in zones)


def _neighbors(alert: Alert) -> QuerySet[Zone]:
    """The zones next to the alert's that the plan covers."""
    return alert.zone.neighbors.filter(pk__in=alert.plan.zones.values("pk"))


def _neighbor_verifiers(alert: Alert) -> list[int]:
    """Verifiers of the zones next to the alert's that the plan covers: an alert nobody verified goes to them last."""
    return sorted({pk for zone in _neighbors(alert) for pk in _holders(alert.plan, zone, kind=VERIFIER)})


def can_verify(alert: Alert, membership: Membership | None) -> bool:
    """Dispatchers and coordinators, the zone's verifiers, and once it reached them the neighboring zones'."""
    if membership is None:
        return False
    return (
        can_raise(alert.plan, membership, alert.zone)
        or _is_holder(alert.plan_id, alert.zone_id, membership.pk, kind=VERIFIER)
        or (
            membership.is_active
            and alert.escalation >= LAST_STEP
            and alert.status == Status.UNVERIFIED
            and any(_is_holder(alert.plan_id, zone.pk, membership.pk, kind=VERIFIER) for zone in _neighbors(alert))
        )
    )


def is_holder(alert: Alert, membership: Membership) -> bool:
    """Whether the person holds a role of the plan in the alert's zone (or its whole area): one narrow query."""
    return _is_holder(alert.plan_id, alert.zone_id, membership.pk)


def is_involved(alert: Alert, membership: Membership) -> bool:
    """Whether a person still has a part in this alert: a holder in its zone, or one who may verify it."""
    return _is_holder(alert.plan_id, alert.zone_id, membership.pk) or can_verify(alert, membership)


def involved(alert: Alert) -> set[int]:
    """Everyone who still has a part in the alert, as `is_involved` decides it one by one, in a few queries.

    The zone's holders (its dispatchers and verifiers among them), the coordinators, and the neighboring zones'
    verifiers once an unverified alert reached them: a batch of a thousand messages asks once, not a thousand times.
    """
    people = set(_holders(alert.plan, alert.zone))
    people.update(
        Membership.objects.filter(
            assembly_id=alert.plan.assembly_id,
            role=Membership.Role.COORDINATOR,
            status=Membership.Status.ACTIVE,
        ).values_list("pk", flat=True)
    )
    if alert.escalation >= LAST_STEP and alert.status == Status.UNVERIFIED:
        people.update(_neighbor_verifiers(alert))
    return people


def _send(alert: Alert, kinds: tuple[str, ...], memberships: list[int], *, occasion: str = "") -> None:
    """Queue the occasion's message to each member by each channel they chose.

    Text and Signal need a number and a channel the site runs; a person left with no channel they can be
    reached by gets the email all the same: an alert is never dropped because of a setting.
    """
    email, sms, signal = kinds
    outgoing = []
    people = Membership.objects.filter(pk__in=memberships).values_list(
        "pk", "user__phone", "user__alerts_by_email", "user__alerts_by_sms", "user__alerts_by_signal"
    )
    texts = {sms: channels.enabled(channels.SMS), signal: channels.enabled(channels.SIGNAL)}
    for pk, phone, by_email, by_sms, by_signal in people.iterator(chunk_size=2000):
        key = recipient_key("membership", pk)
        wanted = [kind for kind, chosen in ((sms, by_sms), (signal, by_signal)) if chosen and phone and texts[kind]]
        if by_email or not wanted:
            wanted.insert(0, email)
        outgoing.extend(Outgoing(kind, key, alert.pk, occasion=occasion) for kind in wanted)
    messages_enqueue(outgoing)


def _broadcast(alert: Alert) -> int:
    # The dispatcher who raised it knows already.
    holders = [pk for pk in _holders(alert.plan, alert.zone) if pk != alert.raised_by_id]
    _send(alert, BROADCAST, holders)
    Alert.objects.filter(pk=alert.pk).update(alerted_count=len(holders))
    alert.alerted_count = len(holders)
    return len(holders)


def _local_text(moment: datetime, plan: GamePlan) -> str:
    return formats.date_format(timezone.localtime(moment, ZoneInfo(plan.assembly.time_zone)), "SHORT_DATETIME_FORMAT")


def _check_seen_at(plan: GamePlan, seen_at: datetime | None, *, now: datetime) -> None:
    """Refuse a sighting in the future or older than the plan's alerts last: such an alert would be over already.

    Comparing aware datetimes never converts them, so even year 1 or 9999 is refused rather than overflowing.
    """
    if seen_at is None:
        return
    latest = now + SEEN_AT_SKEW
    if seen_at > latest:
        message = _("That time has not come yet. Give the time the agents were seen, at the latest %(latest)s.")
        raise ValidationError({"seen_at": message % {"latest": _local_text(now, plan)}})
    earliest = now - timedelta(hours=plan.alert_hours)
    if seen_at < earliest:
        raise ValidationError(
            {
                "seen_at": ngettext(
                    "That is more than %(hours)d hour ago, longer than this plan's alerts last. "
                    "Give a time after %(earliest)s.",
                    "That is more than %(hours)d hours ago, longer than this plan's alerts last. "
                    "Give a time after %(earliest)s.",
                    plan.alert_hours,
                )
                % {"hours": plan.alert_hours, "earliest": _local_text(earliest, plan)}
            }
        )


@transaction.atomic
def alert_raise(
    *,
    plan: GamePlan,
    zone: Zone | None,
    raised_by: Membership,
    verified: bool,
    practice: bool,
    key: str = "",
    another: bool = False,
    **details,
) -> tuple[Alert, bool]:
    """Raise an alert: unverified ones go to the zone's verifiers, verified ones to every role holder there.

    Return the alert and whether it is new: the same `key` (the form's) raises one alert however often it is sent,
    and a zone that has an alert open gets a second one only when `another` says so.
    """
    # The plan's row lock puts the raises of one plan in a line: a repeat of a key, or a second alert in a zone,
    # is seen by the check below and not decided by two transactions at once.
    plan = GamePlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != GamePlan.Status.ACTIVE:
        raise ValidationError(_("Alerts can only be raised on an active plan."))
    if zone is None or zone.assembly_id != plan.assembly_id or not plan.zones.filter(pk=zone.pk).exists():
        raise ValidationError({"zone": _("This plan does not cover that zone. Choose one of its zones.")})
    if not can_raise(plan, raised_by):
        raise ValidationError(_("Only the plan's dispatchers and the coordinators raise alerts."))
    if not can_raise(plan, raised_by, zone):
        raise ValidationError({"zone": _("You dispatch for other zones of this plan. Choose one of yours.")})
    if key:
        repeated = Alert.objects.filter(plan=plan, raise_key=key).first()
        if repeated is not None:
            return repeated, False
    now = timezone.now()
    _check_seen_at(plan, details.get("seen_at"), now=now)
    if not another and selectors.open_alerts(plan, now=now).filter(zone=zone).exists():
        raise ValidationError(
            {
                "another": _(
                    "An alert is already open in this zone: check on its board that this is not the same sighting. "
                    "To send a new one anyway, tick “Raise another alert anyway”."
                )
            }
        )
    alert = Alert(
        plan=plan,
        zone=zone,
        raised_by=raised_by,
        held_by_id=first_holder(plan, zone, raised_by),
        practice=practice,
        status=Status.VERIFIED if verified else Status.UNVERIFIED,
        verified_at=now if verified else None,
        expires_at=now + timedelta(hours=plan.alert_hours),
        raise_key=key,
        **details,
    )
    alert.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            alert.save()
    except IntegrityError:
        # The unique key is the last word should two raises ever pass the check together.
        repeated = Alert.objects.filter(plan=plan, raise_key=key).first() if key else None
        if repeated is None:
            raise
        return repeated, False
    if verified:
        _broadcast(alert)
    else:
        verifiers = [pk for pk in _holders(plan, zone, kind=VERIFIER) if pk != raised_by.pk]
        _send(alert, ASK_VERIFY, verifiers)
        alert.alerted_count = len(verifiers)
    return alert, True


def first_holder(plan: GamePlan, zone: Zone, raised_by: Membership | None = None) -> int | None:
    """Who holds a new alert: the dispatcher who raised it, else the first on duty for its zone (None: none)."""
    if raised_by is not None and raised_by.pk in shifts.plan_dispatchers(plan, zone):
        return raised_by.pk
    dispatchers = shifts.on_duty(plan, zone=zone)
    return dispatchers[0] if dispatchers else None


def _lock(alert: Alert) -> Alert:
    return Alert.objects.select_for_update().select_related("plan__assembly", "zone").get(pk=alert.pk)


@transaction.atomic
def alert_verify(*, alert: Alert, membership: Membership, confirm: bool) -> Alert:
    """A verifier saw it (everyone in the zone is alerted) or found nothing (the alert is cleared)."""
    alert = _lock(alert)
    if not can_verify(alert, membership):
        raise ValidationError(_("Only a verifier of this zone, a dispatcher or a coordinator can verify an alert."))
    if alert.status != Status.UNVERIFIED:
        raise ValidationError(_("This alert was already verified or has ended."))
    if not confirm:
        _end(alert, Status.CLEARED)
        return alert
    alert.status = Status.VERIFIED
    alert.verified_at = timezone.now()
    alert.save(update_fields=["status", "verified_at"])
    _broadcast(alert)
    return alert


@transaction.atomic
def alert_close(*, alert: Alert) -> Alert:
    """End an alert; if people were called out, tell them it is over."""
    alert = _lock(alert)
    if not alert.is_open:
        raise ValidationError(_("This alert has already ended."))
    _end(alert, Status.CLOSED)
    return alert


def _end(alert: Alert, status: str) -> None:
    """Erase what was seen and who answered, keep the counts, and tell the people called out that it is over."""
    called_out = _called_out(alert) if alert.status == Status.VERIFIED else []
    counts = dict(alert.answers.values_list("answer").annotate(n=Count("id")))
    alert.coming_count = counts.get(AlertAnswer.Answer.COMING, 0)
    alert.cannot_count = counts.get(AlertAnswer.Answer.CANNOT, 0)
    alert.clear_count = counts.get(AlertAnswer.Answer.CLEAR, 0)
    alert.answers.all().delete()
    erased = {"how_many": None, "seen_at": None}
    for field in TRANSLATED_DETAILS:
        erased[field] = ""
        for code, _name in settings.LANGUAGES:
            erased[build_localized_fieldname(field, code)] = ""
    for name, value in erased.items():
        setattr(alert, name, value)
    alert.status = status
    alert.ended_at = timezone.now()
    alert.raised_by = None
    alert.held_by = None
    alert.save()
    # The board's steps, hand-offs and updates name people and places: they go with the details.
    alert.events.all().delete()
    # Sent or not, the outbox rows would say who was alerted: they go too.
    messages_erase(kinds=[*ASK_VERIFY, *BROADCAST, *UPDATE, HANDED], object_id=alert.pk)
    if status in (Status.CLOSED, Status.EXPIRED):
        _send(alert, OVER, called_out)


def _sent_to(alert: Alert, kinds: tuple[str, ...]) -> set[int]:
    """Whom an occasion's messages about the alert were for, by any channel (sent or not)."""
    return {
        int(key.partition(":")[2])
        for kind in kinds
        for key in messages_keys(kind=kind, object_id=alert.pk)
        if key.startswith("membership:")
    }


def _called_out(alert: Alert) -> list[int]:
    """Who was sent the verified alert, by whichever channel: they, and only they, hear that it is over."""
    return sorted(_sent_to(alert, BROADCAST))


def alerts_expire(*, now: datetime | None = None) -> int:
    """End every open alert past its time, and forget "it is over" messages an hour after; return how many ended."""
    now = now or timezone.now()
    messages_erase(kinds=list(OVER), sent_before=now - timedelta(hours=1))
    expired = 0
    for alert in Alert.objects.filter(status__in=Alert.OPEN, expires_at__lte=now).only("pk"):
        with transaction.atomic():
            alert = _lock(alert)
            if alert.is_open and alert.expires_at <= now:
                _end(alert, Status.EXPIRED)
                expired += 1
    return expired


@transaction.atomic
def alert_answer(*, alert: Alert, membership: Membership, answer: str, eta_minutes: int | None) -> AlertAnswer:
    """Record a person's answer; a second answer replaces the first."""
    # The row lock, without the details: an answer needs only whether the alert is open, and where.
    alert = Alert.objects.select_for_update().only("status", "plan_id", "zone_id").get(pk=alert.pk)
    if not alert.is_open:
        raise ValidationError(_("This alert is over. Thank you for answering."))
    if not _is_holder(alert.plan_id, alert.zone_id, membership.pk):
        raise ValidationError(_("You no longer hold a role in this zone, so your answer is not needed."))
    if answer not in AlertAnswer.Answer.values:
        raise ValidationError(_("Choose one of the answers."))
    eta = eta_minutes if answer == AlertAnswer.Answer.COMING else None
    row = AlertAnswer(alert=alert, membership=membership, answer=answer, eta_minutes=eta, answered_at=timezone.now())
    # One statement, a first answer or a change of mind: a burst of texted replies each waits its turn for the lock.
    AlertAnswer.objects.bulk_create(
        [row],
        update_conflicts=True,
        unique_fields=["alert", "membership"],
        update_fields=["answer", "eta_minutes", "answered_at"],
    )
    return row


def _asked(alert: Alert) -> set[int]:
    """Who was asked to verify the alert, by any channel (sent or not)."""
    return _sent_to(alert, ASK_VERIFY)


def _escalation_targets(alert: Alert, step: int, *, now: datetime) -> set[int]:
    if step == 1:
        coordinators = Membership.objects.filter(
            assembly_id=alert.plan.assembly_id,
            role=Membership.Role.COORDINATOR,
            status=Membership.Status.ACTIVE,
            user__is_active=True,
        ).values_list("pk", flat=True)
        return set(shifts.on_duty(alert.plan, zone=alert.zone, at=now)) | set(coordinators)
    return set(_neighbor_verifiers(alert))


def _escalate(alert: Alert, step: int, *, now: datetime) -> None:
    """Ask the next ring to verify: only people not asked already, and never the one who raised it."""
    targets = _escalation_targets(alert, step, now=now) - _asked(alert) - {alert.raised_by_id}
    _send(alert, ASK_VERIFY, sorted(targets))
    alert.escalation = step
    alert.save(update_fields=["escalation"])
    AlertEvent.objects.create(alert=alert, kind=AlertEvent.Kind.ESCALATED, step=step, created_at=now)


def _escalation_due(alert: Alert, *, now: datetime) -> bool:
    step = alert.escalation + 1
    return (
        alert.status == Status.UNVERIFIED
        and step <= LAST_STEP
        and alert.expires_at > now
        and alert.created_at + timedelta(minutes=alert.plan.verify_minutes * step) <= now
    )


def alerts_escalate(*, now: datetime | None = None) -> int:
    """Take every unverified alert whose time to verify has passed one step further; return how many steps were taken.

    Each alert is decided under its row lock, after reading it again: two workers running this at once take
    each step once.
    """
    now = now or timezone.now()
    stepped = 0
    waiting = Alert.objects.filter(status=Status.UNVERIFIED, escalation__lt=LAST_STEP, expires_at__gt=now)
    for alert in waiting.select_related("plan").only("pk", "status", "escalation", "created_at", "expires_at", "plan"):
        if not _escalation_due(alert, now=now):
            continue
        with transaction.atomic():
            alert = _lock(alert)
            # A worker down for a while finds both steps due: both are taken, each shown on the board.
            while _escalation_due(alert, now=now):
                _escalate(alert, alert.escalation + 1, now=now)
                stepped += 1
    return stepped


def can_hand(alert: Alert, membership: Membership | None) -> bool:
    """The alert's holder and the coordinators hand it over; anyone who may watch it, when nobody holds it."""
    if not can_raise(alert.plan, membership, alert.zone):
        return False
    return alert.held_by_id in (None, membership.pk) or membership.has_role(Membership.Role.COORDINATOR)


def hand_candidates(alert: Alert) -> list[Membership]:
    """The plan's dispatchers who may take this alert: they dispatch for its zone; its holder is left out."""
    people = Membership.objects.filter(pk__in=shifts.plan_dispatchers(alert.plan)).select_related("user")
    return sorted(
        (m for m in people if m.pk != alert.held_by_id and can_raise(alert.plan, m, alert.zone)),
        key=lambda m: m.user.display_name.casefold(),
    )


def _clean_note(note: str, *, required: bool, limit: int = NOTE_LENGTH) -> str:
    note = " ".join(note.split())
    if required and not note:
        raise ValidationError({"note": _("Write the update first.")})
    # Counted as a text message counts it: "€" or "[" take two units, an emoji goes as one "?".
    if len(note) > limit or segments.gsm_units(segments.fold(note, unknown="?")) > limit:
        raise ValidationError(
            {"note": _("Keep it to %(limit)d characters: it goes out as a text message.") % {"limit": limit}}
        )
    return note


@transaction.atomic
def alert_hand(*, alert: Alert, by: Membership, to: Membership, note: str = "") -> AlertEvent:
    """Hand an open alert to another of the plan's dispatchers, with a note for them."""
    alert = _lock(alert)
    if not alert.is_open:
        raise ValidationError(_("This alert has already ended."))
    if not can_hand(alert, by):
        raise ValidationError(_("Only the dispatcher who holds this alert, or a coordinator, can hand it over."))
    if to.pk not in {m.pk for m in hand_candidates(alert)}:
        raise ValidationError({"to": _("Hand it to another of this plan's dispatchers for this zone.")})
    note = _clean_note(note, required=False)
    alert.held_by = to
    alert.save(update_fields=["held_by"])
    event = AlertEvent.objects.create(
        alert=alert, kind=AlertEvent.Kind.HANDED, by=by, to=to, note=note, created_at=timezone.now()
    )
    messages_enqueue([Outgoing(HANDED, recipient_key("membership", to.pk), alert.pk, occasion=str(event.pk))])
    return event


@transaction.atomic
def alert_post_update(*, alert: Alert, by: Membership, note: str) -> AlertEvent:
    """Tell everyone alerted something new ("they moved to 5th and Main"): each update goes out once."""
    alert = _lock(alert)
    if not alert.is_open:
        raise ValidationError(_("This alert has already ended."))
    if not can_raise(alert.plan, by, alert.zone):
        raise ValidationError(_("Only the plan's dispatchers and the coordinators post updates."))
    note = _clean_note(note, required=True, limit=UPDATE_LENGTH)
    event = AlertEvent.objects.create(
        alert=alert, kind=AlertEvent.Kind.UPDATE, by=by, note=note, created_at=timezone.now()
    )
    people = _called_out(alert) if alert.status == Status.VERIFIED else sorted(_asked(alert))
    # Whom it went to says who heard of it, not who still has a part: someone who released their role hears no more.
    still = involved(alert)
    _send(alert, UPDATE, [pk for pk in people if pk in still and pk != by.pk], occasion=str(event.pk))
    return event


def _ago(moment: datetime, now: datetime) -> str:
    if now - moment < timedelta(minutes=1):
        return str(_("just now"))
    return str(_("%(time)s ago") % {"time": timesince(moment, now, depth=1)})


def _event_text(event: AlertEvent, clock: str) -> str:
    someone = str(_("a former dispatcher"))
    if event.kind == AlertEvent.Kind.ESCALATED and event.step == 1:
        return str(_("Sent to the dispatcher on duty and the coordinators at %(time)s.") % {"time": clock})
    if event.kind == AlertEvent.Kind.ESCALATED:
        return str(_("Sent to the verifiers of neighboring zones at %(time)s.") % {"time": clock})
    if event.kind == AlertEvent.Kind.REPORT:
        return str(_("Another report from the public at %(time)s.") % {"time": clock})
    by = event.by.user.display_name if event.by_id else someone
    if event.kind == AlertEvent.Kind.HANDED:
        to = event.to.user.display_name if event.to_id else someone
        return str(_("%(by)s handed it to %(to)s at %(time)s.") % {"by": by, "to": to, "time": clock})
    return str(_("Update sent by %(by)s at %(time)s.") % {"by": by, "time": clock})


def board(alert: Alert, *, now: datetime | None = None) -> dict:
    """What the dispatcher's board shows: the alert's state, its messages per channel, each answer (newest last),
    its steps, who holds it and whom to call: the people alerted who have not answered.

    The messages counted are the alert's while it is on, and once it ends the ones saying it is over: ending it
    erases the first.
    """
    now = now or timezone.now()
    zone = ZoneInfo(alert.plan.assembly.time_zone)

    def clock(moment: datetime) -> str:
        return formats.time_format(timezone.localtime(moment, zone), "TIME_FORMAT")

    answers = list(alert.answers.select_related("membership__user"))
    kinds = [*ASK_VERIFY, *BROADCAST] if alert.is_open else list(OVER)
    if alert.is_open:
        alerted = set(_called_out(alert)) if alert.status == Status.VERIFIED else _asked(alert)
        # Whom to call: never someone who has since released their role.
        waiting = (alerted - {row.membership_id for row in answers}) & involved(alert)
        counts = {value: sum(row.answer == value for row in answers) for value in AlertAnswer.Answer.values}
        counts["none"] = len(waiting)
    else:
        alerted = waiting = set()
        counts = {
            AlertAnswer.Answer.COMING: alert.coming_count,
            AlertAnswer.Answer.CANNOT: alert.cannot_count,
            AlertAnswer.Answer.CLEAR: alert.clear_count,
            "none": max(alert.alerted_count - alert.coming_count - alert.cannot_count - alert.clear_count, 0),
        }
    people = Membership.objects.filter(pk__in=waiting).select_related("user")
    holder = Membership.objects.select_related("user").filter(pk=alert.held_by_id).first()
    return {
        "status": alert.status,
        "status_label": str(alert.get_status_display()),
        # While it is open, everyone its messages went to (verifiers too); once over, the count kept.
        "alerted": len(alerted) if alert.is_open else alert.alerted_count,
        "opened": _ago(alert.created_at, now),
        "held_by": holder.user.display_name if holder else None,
        "counts": {str(key): value for key, value in counts.items()},
        "delivery": delivery_counts(kinds=kinds, object_id=alert.pk),
        "answers": [
            {
                "name": row.membership.user.display_name,
                "answer": row.answer,
                "label": str(row.get_answer_display()),
                "eta": row.eta_minutes,
                "at": clock(row.answered_at),
                "ago": _ago(row.answered_at, now),
                "arrives": clock(row.answered_at + timedelta(minutes=row.eta_minutes))
                if row.eta_minutes is not None
                else None,
            }
            for row in answers
        ],
        "events": [
            {
                "kind": event.kind,
                "text": _event_text(event, clock(event.created_at)),
                "note": event.note,
                "ago": _ago(event.created_at, now),
            }
            for event in alert.events.select_related("by__user", "to__user")
        ],
        "waiting": [
            {
                "name": person.user.display_name,
                "phone": phone_display(person.user.phone) if person.user.phone else "",
                "tel": f"tel:{person.user.phone}" if person.user.phone else "",
                "sms": f"sms:{person.user.phone}" if person.user.phone else "",
            }
            for person in sorted(people, key=lambda person: person.user.display_name.casefold())
        ],
    }
