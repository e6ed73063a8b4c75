"""Reports from the public: a short page anyone can open from a flyer, and a text to the assembly's number.

A report becomes an unverified alert that goes to the zone's verifiers and the dispatchers on duty, who confirm or
clear it as any other. Nothing about the reporter is kept: no account, no number, no address.
"""

import contextlib
import re
import secrets
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from assembly.assemblies.models import Assembly, Zone
from assembly.common.i18n import in_all_languages, language_codes
from assembly.common.phones import phone_normalize
from assembly.defense import alerts
from assembly.defense.models import Alert, AlertEvent, GamePlan, ReportLine
from assembly.defense.replies import plain
from assembly.defense.shifts import on_duty
from assembly.notify.registry import InboundText

# Letters and digits nobody misreads on a printed flyer: no 0/o, 1/l/i.
CODE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
CODE_LENGTH = 8
KEYWORDS = {"report", "reporte"}
# A text is read in no particular language: its words go in the site's default one, shown to others as a fallback.
TEXT_LIMITS = {"location": 140, "activity": 200}
SENDER = "Asamblea"
# Text replies go out in every language at once: nothing tells which one the sender reads. Each is short, so that
# all of them together stay within two text segments once folded to GSM-7. Marked here, translated when sent.
REPORT_THANKS = gettext_noop("Thanks, your report is passed on. Keep your distance; do not confront agents.")
REPORT_HELP = gettext_noop("To report, text REPORT, the assembly's code, what you see and where.")
REPORT_CLOSED = gettext_noop("This assembly takes no reports right now.")
REPORT_WHICH_ZONE = gettext_noop("Which zone? Text REPORT, the zone and what you see. Zones: %(zones)s.")
REPORT_WHICH_ZONE_CODE = gettext_noop("Which zone? Text REPORT %(code)s, the zone and what you see. Zones: %(zones)s.")


def all_languages(message: str, params: Callable[[str], dict] | None = None) -> str:
    """A text reply in each of the site's languages, one after the other: a third language is a .po file.

    `params` gives a language's values for the message's placeholders (the zones' names in that language).
    """
    if params is None:
        return f"{SENDER}: {in_all_languages(message)}"
    texts = []
    for code in language_codes():
        with translation.override(code):
            text = translation.gettext(message) % params(code)
        if text not in texts:
            texts.append(text)
    return f"{SENDER}: " + " / ".join(texts)


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))


def report_line_ensure(*, assembly: Assembly) -> ReportLine:
    """The assembly's report line, made the first time it is needed with a random code."""
    line = ReportLine.objects.filter(assembly=assembly).first()
    while line is None:
        try:
            with transaction.atomic():
                line = ReportLine.objects.create(assembly=assembly, code=_new_code())
        except IntegrityError:
            # Another request made it first, or (rarely) the code was taken: look again, or draw again.
            line = ReportLine.objects.filter(assembly=assembly).first()
    return line


@transaction.atomic
def report_line_set_phone(*, line: ReportLine, phone: str) -> ReportLine:
    """Set the assembly's text number (E.164), or clear it with "": one assembly per number."""
    if phone and ReportLine.objects.filter(phone=phone).exclude(pk=line.pk).exists():
        raise ValidationError({"phone": _("Another assembly already takes reports at this number.")})
    try:
        with transaction.atomic():
            updated = ReportLine.objects.filter(pk=line.pk).update(phone=phone)
    except IntegrityError:
        # Taken by another assembly between the check and the write.
        raise ValidationError({"phone": _("Another assembly already takes reports at this number.")}) from None
    if not updated:
        raise ValidationError(_("The public report address was removed meanwhile. Reload the page."))
    line.phone = phone
    return line


def report_line_new_code(*, line: ReportLine) -> ReportLine:
    """Give the line a new short address: the old one stops working (a flyer that went to the wrong hands)."""
    while True:
        code = _new_code()
        try:
            with transaction.atomic():
                updated = ReportLine.objects.filter(pk=line.pk).update(code=code)
        except IntegrityError:
            continue
        if not updated:
            raise ValidationError(_("The public report address was removed meanwhile. Reload the page."))
        line.code = code
        return line


def report_line_by_code(code: str) -> ReportLine | None:
    code = code.strip().lower()
    if not (0 < len(code) <= 12 and code.isascii() and code.isalnum()):
        return None
    return ReportLine.objects.select_related("assembly").filter(code=code).first()


def report_zones(assembly: Assembly) -> QuerySet[Zone]:
    """The zones the assembly's active plans cover: where a report can go."""
    return Zone.objects.filter(game_plans__assembly=assembly, game_plans__status=GamePlan.Status.ACTIVE).distinct()


def _localized(details: dict, language: str) -> dict:
    """The reporter's words in their language's columns; readers of the other language see them as a fallback."""
    translated = set(alerts.TRANSLATED_DETAILS)
    return {f"{name}_{language}" if name in translated else name: value for name, value in details.items()}


@transaction.atomic
def alert_report(*, assembly: Assembly, zone: Zone, source: str, language: str, **details) -> Alert:
    """Raise an unverified alert from a report: to the zone's verifiers and the dispatchers on duty.

    A zone that has a real alert open gets no second one: the report is added to that alert's board and goes as an
    update to whoever holds it and the verifiers asked, so a flood of reports is not a flood of alerts. The reporter
    is thanked the same way either way, so the page tells no one whether an alert is open.
    """
    # The plan's row lock puts this in line with alert_raise's, so two reports do not open two alerts.
    plan = (
        GamePlan.objects.select_for_update()
        .filter(assembly=assembly, status=GamePlan.Status.ACTIVE, zones=zone)
        .order_by("pk")
        .first()
    )
    if plan is None:
        raise ValidationError({"zone": _("Choose one of the zones in the list.")})
    now = timezone.now()
    alerts._check_seen_at(plan, details.get("seen_at"), now=now)
    already = (
        Alert.objects.filter(
            plan__assembly=assembly, zone=zone, status__in=Alert.OPEN, expires_at__gt=now, practice=False
        )
        .order_by("pk")
        .first()
    )
    if already is not None:
        _report_add(already, details, now=now)
        return already
    duty = on_duty(plan, zone=zone, at=now)
    alert = Alert(
        plan=plan,
        zone=zone,
        source=source,
        status=Alert.Status.UNVERIFIED,
        held_by_id=duty[0] if duty else None,
        expires_at=now + timedelta(hours=plan.alert_hours),
        **_localized(details, language),
    )
    alert.full_clean(validate_constraints=False)
    alert.save()
    told = sorted(set(alerts._holders(plan, zone, kind=alerts.VERIFIER)) | set(duty))
    alerts._send(alert, alerts.ASK_VERIFY, told)
    Alert.objects.filter(pk=alert.pk).update(alerted_count=len(told))
    alert.alerted_count = len(told)
    return alert


def _report_note(details: dict) -> str:
    """A report added to an open alert, in one line: where, then what was seen."""
    parts = [
        details.get("location", ""),
        details.get("activity", ""),
        details.get("vehicles", ""),
        details.get("uniforms", ""),
    ]
    if details.get("how_many"):
        parts.insert(1, str(_("%(count)d people") % {"count": details["how_many"]}))
    note = ". ".join(" ".join(str(part).split()).rstrip(".") for part in parts if part and str(part).strip())
    return note[: alerts.NOTE_LENGTH]


def _report_add(alert: Alert, details: dict, *, now) -> AlertEvent:
    """Put a further report on an open alert's board and send it to whoever holds it and the verifiers asked."""
    event = AlertEvent.objects.create(
        alert=alert, kind=AlertEvent.Kind.REPORT, note=_report_note(details), created_at=now
    )
    people = set(alerts._asked(alert))
    if alert.held_by_id:
        people.add(alert.held_by_id)
    alerts._send(alert, alerts.UPDATE, sorted(people), occasion=str(event.pk))
    return event


def _zone_named(zones: list[Zone], text: str) -> Zone | None:
    """The zone whose name (in either language) the text says, the longest name first: "North 2" before "North"."""
    words = f" {plain(text)} "
    names = [
        (plain(name), zone)
        for zone in zones
        for name in (getattr(zone, f"name_{code}", "") for code, _name in settings.LANGUAGES)
        if name
    ]
    for name, zone in sorted(names, key=lambda pair: -len(pair[0])):
        if name and f" {name} " in words:
            return zone
    return None


def _first_word(text: str) -> tuple[str, str]:
    """The first word of a text and the rest, whatever spaces or line breaks come between."""
    words = text.split(maxsplit=1)
    return (words[0] if words else ""), (words[1] if len(words) > 1 else "")


def _zone_name(zone: Zone, language: str) -> str:
    return getattr(zone, f"name_{language}", "") or zone.name


def _which_zone(zones: list[Zone], code: str) -> str:
    """Ask the sender to text again naming one of the zones, in each language with the zones' names in it."""

    def params(language: str) -> dict:
        names = sorted((_zone_name(zone, language) for zone in zones), key=str.casefold)
        return {"zones": ", ".join(names), "code": code.upper()}

    return all_languages(REPORT_WHICH_ZONE_CODE if code else REPORT_WHICH_ZONE, params)


def report_receive(inbound: InboundText) -> str | None:
    """A text starting REPORT or REPORTE: to the assembly's number, or to any of ours with the assembly's code next.

    The rest of the text is where and what was seen, and must name the zone when the plans cover more than one:
    a report sent to the wrong zone's verifiers would reach no one who can go and look.
    """
    first, rest = _first_word(inbound.text)
    if plain(first) not in KEYWORDS:
        return None
    to = phone_normalize(inbound.to) or inbound.to.strip()
    line = ReportLine.objects.select_related("assembly").filter(phone=to).first() if to else None
    code = ""
    if line is None:
        code, rest = _first_word(rest)
        line = report_line_by_code(plain(code))
    rest = re.sub(r"\s+", " ", rest).strip(" :,-")
    if line is None or not rest:
        return all_languages(REPORT_HELP)
    assembly = line.assembly
    zones = list(report_zones(assembly).order_by("pk"))
    if not zones:
        return all_languages(REPORT_CLOSED)
    zone = _zone_named(zones, rest) or (zones[0] if len(zones) == 1 else None)
    if zone is None:
        return _which_zone(zones, code and line.code)
    details = {"location": rest[: TEXT_LIMITS["location"]]}
    if len(rest) > TEXT_LIMITS["location"]:
        details["activity"] = rest[TEXT_LIMITS["location"] :][: TEXT_LIMITS["activity"]]
    # A text cannot be corrected like a form: what it said is passed on, or not, and the sender is thanked alike.
    with contextlib.suppress(ValidationError):
        alert_report(assembly=assembly, zone=zone, source=Alert.Source.TEXT, language=settings.LANGUAGE_CODE, **details)
    return all_languages(REPORT_THANKS)
