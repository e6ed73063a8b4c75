"""Reports from the public: a short page anyone can open from a flyer, and a text to the assembly's number.

A report becomes an unverified alert that goes to the zone's verifiers and the dispatchers on duty, who confirm or
clear it as any other. Nothing about the reporter is kept: no account, no number, no address.
"""

import contextlib
import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assembly.assemblies.models import Assembly, Zone
from assembly.common.phones import phone_normalize
from assembly.defense import alerts
from assembly.defense.models import Alert, GamePlan, ReportLine
from assembly.defense.replies import plain
from assembly.defense.shifts import on_duty
from assembly.notify.registry import InboundText

# Letters and digits nobody misreads on a printed flyer: no 0/o, 1/l/i.
CODE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
CODE_LENGTH = 8
KEYWORDS = {"report", "reporte"}
# A text is read in no particular language: its words go in the site's default one, shown to others as a fallback.
TEXT_LIMITS = {"location": 140, "activity": 200}
# Both languages at once: nothing tells which one the sender reads.
REPORT_THANKS = (
    "Asamblea: thank you, your report is passed on. Stay safe, keep your distance, do not confront agents. / "
    "Gracias, tu reporte fue enviado. Cuídate, mantén distancia, no confrontes a los agentes."
)
REPORT_HELP = (
    "Asamblea: to report, write REPORT, the assembly's code, then what you see and where. / "
    "Para reportar, escribe REPORTE, el código de la asamblea, y luego qué ves y dónde."
)
REPORT_CLOSED = "Asamblea: this assembly takes no reports right now. / Esta asamblea no recibe reportes por ahora."


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
def alert_report(*, assembly: Assembly, zone: Zone, source: str, language: str, **details) -> Alert | None:
    """Raise an unverified alert from a report: to the zone's verifiers and the dispatchers on duty.

    A zone that has a real alert open gets no second one: the people there are on it already, and a flood of
    reports must not become a flood of messages. Return None then; the reporter is thanked all the same, so
    the page tells no one whether an alert is open.
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
    already = Alert.objects.filter(
        plan__assembly=assembly, zone=zone, status__in=Alert.OPEN, expires_at__gt=now, practice=False
    )
    if already.exists():
        return None
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


def _default_zone(assembly: Assembly) -> Zone | None:
    plan = GamePlan.objects.filter(assembly=assembly, status=GamePlan.Status.ACTIVE).order_by("pk").first()
    return plan.zones.order_by("pk").first() if plan is not None else None


def _first_word(text: str) -> tuple[str, str]:
    """The first word of a text and the rest, whatever spaces or line breaks come between."""
    words = text.split(maxsplit=1)
    return (words[0] if words else ""), (words[1] if len(words) > 1 else "")


def report_receive(inbound: InboundText) -> str | None:
    """A text starting REPORT or REPORTE: to the assembly's number, or to any of ours with the assembly's code next.

    The rest of the text is where and what was seen; a zone it names is the report's zone, else the first one.
    """
    first, rest = _first_word(inbound.text)
    if plain(first) not in KEYWORDS:
        return None
    to = phone_normalize(inbound.to) or inbound.to.strip()
    line = ReportLine.objects.select_related("assembly").filter(phone=to).first() if to else None
    if line is None:
        code, rest = _first_word(rest)
        line = report_line_by_code(plain(code))
    rest = re.sub(r"\s+", " ", rest).strip(" :,-")
    if line is None or not rest:
        return REPORT_HELP
    assembly = line.assembly
    zones = list(report_zones(assembly))
    if not zones:
        return REPORT_CLOSED
    zone = _zone_named(zones, rest) or _default_zone(assembly)
    details = {"location": rest[: TEXT_LIMITS["location"]]}
    if len(rest) > TEXT_LIMITS["location"]:
        details["activity"] = rest[TEXT_LIMITS["location"] :][: TEXT_LIMITS["activity"]]
    # A text cannot be corrected like a form: what it said is passed on, or not, and the sender is thanked alike.
    with contextlib.suppress(ValidationError):
        alert_report(assembly=assembly, zone=zone, source=Alert.Source.TEXT, language=settings.LANGUAGE_CODE, **details)
    return REPORT_THANKS
