"""Load the fictional demo assemblies and people; running it again changes nothing."""

import contextlib
import itertools
from datetime import timedelta
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from assembly.accounts.models import User
from assembly.assemblies.models import Assembly, Membership, Zone
from assembly.defense import services as defense_services
from assembly.defense.models import (
    Alert,
    DefenseRole,
    DispatchShift,
    GamePlan,
    MeetingPoint,
    PlanResource,
    PlanStep,
    ReportLine,
    RoleKind,
)
from assembly.meetings import agenda
from assembly.meetings import services as meeting_services
from assembly.meetings.models import AgendaItem, Meeting, Registration
from assembly.notify.models import Message
from assembly.rotation import services as rotation_services
from assembly.rotation.models import Absence, Assignment, RoleType, RotationProfile, Willingness

DEMO_PASSWORD = "demo-asamblea-2026"
# Fictional numbers (555-01xx, reserved for fiction), so alerts also go out as text and Signal messages: in local
# mode they land in var/sms/ and var/signal/.
PHONES = {
    "coordinadora@example.org": "+13125550101",
    "facilitator@example.org": "+13125550103",
    "vecina@example.org": "+13125550102",
    "neighbor@example.org": "+13125550104",
}
# How each person chose to get alerts (email, text message, Signal); the others keep the defaults.
CHANNELS = {
    "vecina@example.org": {"alerts_by_email": False, "alerts_by_sms": True, "alerts_by_signal": True},
    "neighbor@example.org": {"alerts_by_email": True, "alerts_by_sms": True, "alerts_by_signal": False},
    "facilitator@example.org": {"alerts_by_email": True, "alerts_by_sms": False, "alerts_by_signal": True},
}
# The demo assembly's public report line: its short page address (/r/<code>/) and its text number.
REPORT_CODE = "ejemplo"
REPORT_PHONE = "+13125550100"

PEOPLE = [
    # email, display name, language, role in the demo assembly (None: asked to join)
    ("coordinadora@example.org", "Rosa (coordinadora)", "es", Membership.Role.COORDINATOR),
    ("facilitator@example.org", "Sam (facilitator)", "en", Membership.Role.FACILITATOR),
    ("vecina@example.org", "Lupe", "es", Membership.Role.MEMBER),
    ("neighbor@example.org", "Dee", "en", Membership.Role.MEMBER),
    ("nuevo@example.org", "Tomás", "es", None),
]

ASSEMBLIES = [
    {
        "slug": "barrio-ejemplo",
        "name_en": "Example Heights Neighborhood Assembly",
        "name_es": "Asamblea Vecinal de Barrio Ejemplo",
        "description_en": "Neighbors of Example Heights meet every other Thursday to look after each other: "
        "rent, schools, and a rapid-response network for when immigration agents come to the neighborhood.\n\n"
        "This assembly is fictional demo data.",
        "description_es": "Los vecinos de Barrio Ejemplo nos reunimos cada dos jueves para cuidarnos: "
        "alquileres, escuelas y una red de respuesta rápida para cuando la migra llegue al barrio.\n\n"
        "Esta asamblea es un ejemplo ficticio.",
        "area_en": "Example Heights, north of the river",
        "area_es": "Barrio Ejemplo, al norte del río",
        "kind": Assembly.Kind.NEIGHBORHOOD,
        "visibility": Assembly.Visibility.PUBLIC,
        "join_policy": Assembly.JoinPolicy.APPROVAL,
        "time_zone": "America/Chicago",
    },
    {
        "slug": "maple-court-tenants",
        "name_en": "Maple Court Tenants",
        "name_es": "",
        "description_en": "Tenants of the fictional Maple Court buildings. (Only in English so far, to show the note "
        "a Spanish reader sees.)",
        "description_es": "",
        "area_en": "Maple Court",
        "area_es": "",
        "kind": Assembly.Kind.TENANT,
        "visibility": Assembly.Visibility.PUBLIC,
        "join_policy": Assembly.JoinPolicy.OPEN,
        "time_zone": "America/Chicago",
    },
]

ZONES = [
    (
        "Blocks 1-4, north of Elm Street",
        "Cuadras 1-4, al norte de la calle Elm",
        "From the school to the laundromat.",
        "Desde la escuela hasta la lavandería.",
    ),
    ("Market Square", "Plaza del Mercado", "The square and the bus stop.", "La plaza y la parada del autobús."),
    ("Riverside blocks", "Cuadras del río", "", "Las cuadras junto al río."),
]


class Command(BaseCommand):
    help = "Load fictional demo data in both languages (only with DEBUG, unless --force)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--force", action="store_true", help="Load demo data even when DEBUG is false.")

    @transaction.atomic
    def handle(self, *args, force: bool = False, **options) -> None:
        if not settings.DEBUG and not force:
            raise CommandError("Refusing to load demo log-ins on a site with DEBUG=false; pass --force if you mean it.")
        people = {}
        for email, name, language, _role in PEOPLE:
            user, created = User.objects.get_or_create(
                email=email,
                defaults={
                    "display_name": name,
                    "language": language,
                    "phone": PHONES.get(email, ""),
                    **CHANNELS.get(email, {}),
                },
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
            people[email] = user

        assemblies = {}
        for fields in ASSEMBLIES:
            slug = fields["slug"]
            assembly, _created = Assembly.objects.get_or_create(slug=slug, defaults=fields)
            assemblies[slug] = assembly

        main = assemblies["barrio-ejemplo"]
        for email, _name, _language, role in PEOPLE:
            status = Membership.Status.ACTIVE if role else Membership.Status.PENDING
            Membership.objects.get_or_create(
                assembly=main, user=people[email], defaults={"role": role or Membership.Role.MEMBER, "status": status}
            )
        Membership.objects.get_or_create(
            assembly=assemblies["maple-court-tenants"],
            user=people["neighbor@example.org"],
            defaults={"role": Membership.Role.COORDINATOR},
        )
        zones = []
        for name_en, name_es, description_en, description_es in ZONES:
            zone, _created = Zone.objects.get_or_create(
                assembly=main,
                name_en=name_en,
                defaults={"name_es": name_es, "description_en": description_en, "description_es": description_es},
            )
            zones.append(zone)
        # Side by side along the main street: an alert nobody verifies goes next to the neighbouring zones.
        for zone, neighbor in itertools.pairwise(zones):
            zone.neighbors.add(neighbor)

        self._meetings(main, people)
        self._rotation(main, people)
        self._agendas(main, people)
        self._defense(main, people)
        self._dispatch(main, people)
        self._failed_message(main, people)

        self.stdout.write(f"Demo log-ins (password for all: {DEMO_PASSWORD}):")
        for email, name, language, role in PEOPLE:
            what = role.label if role else "asked to join"
            self.stdout.write(f"  {email:28} {name:22} {language}  {what}")
        self.stdout.write(
            f"Public report page (no log-in): {settings.SITE_URL}/r/{REPORT_CODE}/; its text number {REPORT_PHONE}.\n"
            "Texts and Signal messages land in var/sms/ and var/signal/; answer one from a fake phone with\n"
            '  .venv/bin/python manage.py fake_text +13125550102 "1"'
        )

    def _meetings(self, assembly: Assembly, people: dict) -> None:
        """Meetings in every state: open, full with a waitlist, draft, cancelled and past."""
        today = timezone.localtime(timezone.now(), timezone=ZoneInfo(assembly.time_zone))
        evening = today.replace(hour=18, minute=30, second=0, microsecond=0)
        for spec in MEETINGS:
            starts = evening + timedelta(days=spec["days"])
            fields = {key: value for key, value in spec.items() if key not in {"days", "hours", "status", "signups"}}
            meeting, created = Meeting.objects.get_or_create(
                assembly=assembly,
                title_en=spec["title_en"],
                defaults={**fields, "starts_at": starts, "ends_at": starts + timedelta(hours=spec["hours"])},
            )
            if not created:
                continue
            if spec["days"] < 0:
                self._past_attendance(meeting, [people[email] for email in spec["signups"]])
                continue
            if spec["status"] != Meeting.Status.DRAFT:
                Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.PUBLISHED)
                meeting.refresh_from_db()
            for email in spec["signups"]:
                with contextlib.suppress(ValidationError):
                    meeting_services.registration_create(meeting=meeting, user=people[email])
            if spec["status"] == Meeting.Status.CANCELLED:
                meeting_services.meeting_cancel(meeting=meeting)

    def _dispatch(self, assembly: Assembly, people: dict) -> None:
        """Who is on duty this week (two dispatchers taking turns), and the public report line for flyers."""
        ReportLine.objects.get_or_create(assembly=assembly, defaults={"code": REPORT_CODE, "phone": REPORT_PHONE})
        plan = assembly.game_plans.filter(status=GamePlan.Status.ACTIVE).first()
        if plan is None or plan.shifts.exists():
            return
        local = ZoneInfo(assembly.time_zone)
        today = timezone.localtime(timezone.now(), local).replace(hour=0, minute=0, second=0, microsecond=0)
        turns = [("coordinadora@example.org", 6), ("facilitator@example.org", 18)]
        for day in range(-1, 7):
            start = today + timedelta(days=day)
            for email, hour in turns:
                membership = Membership.objects.get(assembly=assembly, user=people[email])
                # Twelve hours each, taken in the assembly's own time: 6:00 to 18:00 and 18:00 to 6:00.
                starts_at = start.replace(hour=hour)
                DispatchShift.objects.create(
                    plan=plan, membership=membership, starts_at=starts_at, ends_at=starts_at + timedelta(hours=12)
                )

    def _failed_message(self, assembly: Assembly, people: dict) -> None:
        """One confirmation the mail server refused for good, for the coordinators' "failed messages" page."""
        if Message.objects.filter(state=Message.State.FAILED).exists():
            return
        registration = (
            Registration.objects.filter(
                meeting__assembly=assembly, meeting__starts_at__gt=timezone.now(), user=people["vecina@example.org"]
            )
            .order_by("meeting__starts_at")
            .first()
        )
        if registration is None:
            return
        Message.objects.filter(
            kind="registration_confirmed", recipient_key=f"registration:{registration.pk}", state=Message.State.PENDING
        ).update(state=Message.State.FAILED, attempts=1, last_error="550 5.1.1 mailbox unavailable (demo)")

    def _past_attendance(self, meeting: Meeting, attendees: list) -> None:
        # Sign-ups are closed once a meeting is over, so its history is written directly.
        for person in attendees:
            Registration.objects.create(
                meeting=meeting,
                user=person,
                language=person.language,
                status=Registration.Status.CONFIRMED,
                queued_at=meeting.starts_at - timedelta(days=2),
            )
        Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.PUBLISHED, seats_taken=len(attendees))

    def _rotation(self, assembly: Assembly, people: dict) -> None:
        """What each demo member offers the rotation, one member's dates away, and last meeting's roles."""
        roles = {role.key: role for role in RoleType.objects.filter(assembly=assembly)}
        for email, (willing, trained, languages) in ROTATION.items():
            membership = Membership.objects.get(assembly=assembly, user=people[email])
            for key in willing:
                Willingness.objects.get_or_create(
                    membership=membership, role_type=roles[key], defaults={"trained": key in trained}
                )
            RotationProfile.objects.get_or_create(membership=membership, defaults={"languages": languages})
        dee = Membership.objects.get(assembly=assembly, user=people["neighbor@example.org"])
        today = timezone.localdate()
        if not Absence.objects.filter(membership=dee).exists():
            Absence.objects.create(
                membership=dee, starts_on=today + timedelta(days=5), ends_on=today + timedelta(days=8)
            )
        past = assembly.meetings.filter(title_en=PAST_MEETING).first()
        if past is not None and not past.assignments.exists():
            for email, key in PAST_ROLES:
                Assignment.objects.create(
                    meeting=past,
                    role_type=roles[key],
                    membership=Membership.objects.get(assembly=assembly, user=people[email]),
                    status=Assignment.Status.ACCEPTED,
                )

    def _agendas(self, assembly: Assembly, people: dict) -> None:
        """A published agenda with a member's proposal waiting, roles asked and answered; past minutes."""
        upcoming = assembly.meetings.filter(title_en=NEXT_MEETING).first()
        if upcoming is not None and not upcoming.agenda_items.exists():
            self._agenda(upcoming, AGENDA, people)
            Meeting.objects.filter(pk=upcoming.pk).update(proposals_until=upcoming.starts_at - timedelta(days=1))
            agenda.agenda_proposal_create(meeting=upcoming, user=people["vecina@example.org"], duration=10, **PROPOSAL)
            agenda.agenda_publish(meeting=upcoming)
            rotation_services.roles_confirm(meeting=upcoming)
            for assignment in upcoming.assignments.filter(membership__user__in=[people[e] for e in ACCEPTING]):
                rotation_services.assignment_answer(assignment=assignment, user=assignment.membership.user, accept=True)
        past = assembly.meetings.filter(title_en=PAST_MEETING).first()
        if past is not None and not past.agenda_items.exists():
            items = self._agenda(past, PAST_AGENDA, people)
            for item, minutes in zip(items, PAST_MINUTES, strict=True):
                for name, value in minutes.items():
                    setattr(item, name, value)
                item.save()
            now = timezone.now()
            Meeting.objects.filter(pk=past.pk).update(
                attendance=23, agenda_published_at=past.starts_at - timedelta(days=2), minutes_published_at=now
            )

    def _agenda(self, meeting: Meeting, spec: list, people: dict) -> list[AgendaItem]:
        made = []
        for fields, parts in spec:
            owner = people.get(fields.get("owner", ""))
            item = AgendaItem.objects.create(
                meeting=meeting,
                position=len(made),
                owner=owner,
                **{k: v for k, v in fields.items() if k != "owner"},
            )
            made.append(item)
            for position, part in enumerate(parts):
                AgendaItem.objects.create(meeting=meeting, parent=item, position=position, **part)
        return made

    def _defense(self, assembly: Assembly, people: dict) -> None:
        """An active home-raid plan with roles, steps, meeting points, resources and a few claims."""
        if assembly.game_plans.exists():
            return
        kinds = {kind.key: kind for kind in RoleKind.objects.filter(assembly=assembly)}
        zones = {zone.name_en: zone for zone in assembly.zones.all()}
        plan = GamePlan.objects.create(assembly=assembly, status=GamePlan.Status.ACTIVE, **PLAN)
        plan.zones.set(zones.values())
        for position, (key, text_en, text_es) in enumerate(PLAN_STEPS):
            PlanStep.objects.create(
                plan=plan, position=position, role_kind=kinds.get(key), text_en=text_en, text_es=text_es
            )
        for position, fields in enumerate(PLAN_POINTS):
            MeetingPoint.objects.create(plan=plan, position=position, **fields)
        for position, fields in enumerate(PLAN_RESOURCES):
            PlanResource.objects.create(plan=plan, position=position, **fields)
        roles = {}
        for key, zone, needed, training, description_en, description_es in PLAN_ROLES:
            roles[(key, zone)] = DefenseRole.objects.create(
                plan=plan,
                kind=kinds[key],
                zone=zones.get(zone),
                needed=needed,
                requires_training=training,
                description_en=description_en,
                description_es=description_es,
            )
        for email, key, zone in PLAN_CLAIMS:
            membership = Membership.objects.get(assembly=assembly, user=people[email])
            defense_services.claim_create(role=roles[(key, zone)], membership=membership, confirmed_training=True)
        # Last month's drill, ended: only its counts remain, as for every alert that is over.
        Alert.objects.create(
            plan=plan,
            zone=zones["Blocks 1-4, north of Elm Street"],
            status=Alert.Status.CLOSED,
            practice=True,
            expires_at=timezone.now() - timedelta(days=30),
            ended_at=timezone.now() - timedelta(days=30),
            alerted_count=3,
            coming_count=2,
            cannot_count=1,
        )


PLAN = {
    "title_en": "Home raid on our blocks",
    "title_es": "Redada en una casa de nuestras cuadras",
    "summary_en": "When agents knock on a door in Example Heights: verify, gather, observe, support the family. "
    "Never open the door to agents without a signed judicial warrant. (Fictional demo plan.)",
    "summary_es": "Cuando agentes tocan una puerta en Barrio Ejemplo: verificar, reunirnos, observar y apoyar a la "
    "familia. Nunca se abre la puerta sin una orden judicial firmada. (Plan ficticio de ejemplo.)",
    "scenario": GamePlan.Scenario.HOME_RAID,
}
PLAN_STEPS = [
    (
        "dispatcher",
        "Take the call on the hotline and write down where and what was seen.",
        "Atiende la llamada de la línea y anota dónde y qué se vio.",
    ),
    (
        "verifier",
        "Go and see with your own eyes, from the sidewalk, and tell the dispatcher.",
        "Ve a ver con tus propios ojos, desde la acera, y avisa al despacho.",
    ),
    (
        "rapid-responder",
        "Gather at the meeting point; stay calm and together.",
        "Reúnete en el punto de encuentro; con calma y en grupo.",
    ),
    (
        "legal-observer",
        "Film and write down names, badge numbers and vehicles; do not interfere.",
        "Filma y anota nombres, números de placa y vehículos; no interfieras.",
    ),
    (
        "",
        "Afterwards, support the family and write what happened in the plan's log.",
        "Después, acompaña a la familia y escribe lo que pasó.",
    ),
]
PLAN_POINTS = [
    {
        "name_en": "Laundromat on Elm Street",
        "name_es": "Lavandería de la calle Elm",
        "description_en": "Inside, by the back wall.",
        "description_es": "Adentro, junto a la pared del fondo.",
    },
    {"name_en": "Market Square bus stop", "name_es": "Parada de autobús de la Plaza del Mercado"},
]
PLAN_RESOURCES = [
    {
        "kind": PlanResource.Kind.RIGHTS,
        "title_en": "Your rights at the door",
        "title_es": "Tus derechos en la puerta",
        "body_en": "You do not have to open the door. Ask them to slide the warrant under it. You have the right to "
        "remain silent.",
        "body_es": "No tienes que abrir la puerta. Pide que pasen la orden por debajo. Tienes derecho a guardar "
        "silencio.",
    },
    {
        "kind": PlanResource.Kind.HOTLINE,
        "title_en": "Rapid-response hotline",
        "title_es": "Línea de respuesta rápida",
        "body_en": "555-0100 (fictional number), day and night.",
        "body_es": "555-0100 (número ficticio), de día y de noche.",
    },
    {
        "kind": PlanResource.Kind.CHECKLIST,
        "title_en": "Family preparedness checklist",
        "title_es": "Lista de preparación familiar",
        "body_en": "Who picks up the children. Copies of documents with someone you trust. Emergency numbers "
        "learned by heart.",
        "body_es": "Quién recoge a los niños. Copias de documentos con alguien de confianza. Números de emergencia "
        "aprendidos de memoria.",
    },
]
# kind, zone (by English name; "" for the whole area), places, needs training, description
PLAN_ROLES = [
    ("dispatcher", "", 2, True, "Answers the hotline and sends the alert.", "Atiende la línea y envía la alerta."),
    ("verifier", "Blocks 1-4, north of Elm Street", 2, False, "Confirms what was seen.", "Confirma lo que se vio."),
    ("verifier", "Market Square", 1, False, "Confirms what was seen.", "Confirma lo que se vio."),
    ("rapid-responder", "Blocks 1-4, north of Elm Street", 6, False, "", ""),
    ("legal-observer", "", 2, True, "Watches and records; never interferes.", "Observa y registra; nunca interviene."),
    (
        "childcare",
        "Riverside blocks",
        2,
        False,
        "Looks after children while parents deal with agents.",
        "Cuida a los niños mientras los padres atienden a los agentes.",
    ),
]
PLAN_CLAIMS = [
    ("coordinadora@example.org", "dispatcher", ""),
    ("facilitator@example.org", "dispatcher", ""),
    ("vecina@example.org", "verifier", "Blocks 1-4, north of Elm Street"),
    ("neighbor@example.org", "rapid-responder", "Blocks 1-4, north of Elm Street"),
    ("facilitator@example.org", "legal-observer", ""),
]

NEXT_MEETING = "Neighborhood assembly: rent and the rapid-response network"
PAST_MEETING = "Assembly: choosing this season's priorities"

# email: (roles willing, roles trained for, languages spoken)
ROTATION = {
    "coordinadora@example.org": (["facilitator", "interpreter", "vibes-watcher"], ["facilitator"], ["en", "es"]),
    "facilitator@example.org": (["facilitator", "co-facilitator", "timekeeper", "note-taker"], ["facilitator"], ["en"]),
    "vecina@example.org": (["note-taker", "greeter", "vibes-watcher", "facilitator"], [], ["es"]),
    "neighbor@example.org": (["timekeeper", "stack-keeper", "greeter"], [], ["en"]),
}
PAST_ROLES = [
    ("facilitator@example.org", "facilitator"),
    ("coordinadora@example.org", "interpreter"),
    ("neighbor@example.org", "timekeeper"),
    ("vecina@example.org", "greeter"),
]
ACCEPTING = ["coordinadora@example.org", "facilitator@example.org"]

AGENDA = [
    (
        {
            "title_en": "Welcome, introductions and roles",
            "title_es": "Bienvenida, presentaciones y roles",
            "duration": 15,
            "owner": "facilitator@example.org",
        },
        [],
    ),
    (
        {
            "title_en": "Rent increases on Elm Street",
            "title_es": "Aumentos de alquiler en la calle Elm",
            "notes_en": "Reports from the buildings, then what we ask the landlord.",
            "notes_es": "Informes de los edificios y luego qué le pedimos al propietario.",
            "duration": 45,
            "owner": "vecina@example.org",
        },
        [
            {"title_en": "Reports from each building", "title_es": "Informes de cada edificio", "duration": 20},
            {"title_en": "Our letter to the landlord", "title_es": "Nuestra carta al propietario", "duration": 20},
        ],
    ),
    (
        {
            "title_en": "Training new rapid-response members",
            "title_es": "Formación de nuevos miembros de la red de respuesta",
            "duration": 40,
            "owner_name": "Marta (legal observer, guest)",
        },
        [],
    ),
    (
        {"title_en": "Announcements and closing", "title_es": "Anuncios y cierre", "duration": 15},
        [],
    ),
]
PROPOSAL = {
    "title_es": "Cruce peatonal frente a la escuela",
    "notes_es": "Juntar firmas para pedir un guardia de cruce.",
}
PAST_AGENDA = [
    ({"title_en": "Choosing three priorities", "title_es": "Elegir tres prioridades", "duration": 60}, []),
    ({"title_en": "Next steps and volunteers", "title_es": "Próximos pasos y voluntarios", "duration": 30}, []),
]
PAST_MINUTES = [
    {
        "decisions_en": "Our priorities this season: rent, the school crossing, and the response network.",
        "decisions_es": "Nuestras prioridades de la temporada: alquileres, el cruce de la escuela y la red de "
        "respuesta.",
        "next_steps_en": "Lupe gathers the rent reports from each building before the next assembly.",
        "next_steps_es": "Lupe junta los informes de alquiler de cada edificio antes de la próxima asamblea.",
    },
    {
        "decisions_en": "Dee and Sam lead the training of new rapid-response members.",
        "decisions_es": "Dee y Sam coordinan la formación de nuevos miembros de la red de respuesta.",
        "next_steps_en": "Sam books the library room for the know-your-rights workshop.",
        "next_steps_es": "Sam reserva la sala de la biblioteca para el taller de derechos.",
    },
]

MEETINGS = [
    {
        "title_en": "Neighborhood assembly: rent and the rapid-response network",
        "title_es": "Asamblea del barrio: alquileres y la red de respuesta rápida",
        "description_en": "Our regular assembly. Agenda: rent increases on Elm Street, and training new "
        "rapid-response members.",
        "description_es": "Nuestra asamblea de siempre. Temas: los aumentos de alquiler en la calle Elm y la "
        "formación de nuevos miembros de la red de respuesta rápida.",
        "place_name_en": "Community center, back room",
        "place_name_es": "Centro comunitario, salón del fondo",
        "place_directions_en": "Enter through the side door on Market Square.",
        "place_directions_es": "Entra por la puerta lateral de la Plaza del Mercado.",
        "address": "100 Example Street (fictional)",
        "capacity": 40,
        "interpretation": True,
        "interpretation_languages": "English ↔ Español",
        "childcare": True,
        "step_free": True,
        # Shown as "24; 1.5" in English and "24; 1,5" in Spanish on the edit page.
        "reminder_minutes": [24 * 60, 90],
        "days": 3,
        "hours": 2,
        "status": Meeting.Status.PUBLISHED,
        "signups": [
            "vecina@example.org",
            "neighbor@example.org",
            "facilitator@example.org",
            "coordinadora@example.org",
        ],
    },
    {
        "title_en": "Know-your-rights workshop",
        "title_es": "Taller: conoce tus derechos",
        "description_en": "A small workshop with a volunteer legal observer. Seats are few: when it is full, "
        "join the waitlist.",
        "description_es": "Un taller pequeño con una observadora legal voluntaria. Hay pocos lugares: si está "
        "lleno, anótate en la lista de espera.",
        "place_name_en": "Library, meeting room 2",
        "place_name_es": "Biblioteca, sala 2",
        "capacity": 2,
        "days": 6,
        "hours": 1.5,
        "status": Meeting.Status.PUBLISHED,
        "signups": ["vecina@example.org", "facilitator@example.org", "neighbor@example.org"],
    },
    {
        "title_en": "Planning the spring block party",
        "title_es": "",
        "description_en": "A draft only facilitators see, written only in English so far.",
        "days": 14,
        "hours": 1,
        "status": Meeting.Status.DRAFT,
        "signups": [],
    },
    {
        "title_en": "Assembly: choosing this season's priorities",
        "title_es": "Asamblea: elegimos las prioridades de la temporada",
        "description_en": "We voted on three priorities: rent, the school crossing, and the response network.",
        "description_es": "Votamos tres prioridades: alquileres, el cruce de la escuela y la red de respuesta.",
        "place_name_en": "Community center",
        "place_name_es": "Centro comunitario",
        "days": -7,
        "hours": 2,
        "status": Meeting.Status.PUBLISHED,
        "signups": ["vecina@example.org", "neighbor@example.org", "facilitator@example.org"],
    },
    {
        "title_en": "Tenants' rights clinic",
        "title_es": "Consulta sobre derechos de inquilinos",
        "days": 9,
        "hours": 2,
        "status": Meeting.Status.CANCELLED,
        "signups": ["neighbor@example.org"],
    },
]
