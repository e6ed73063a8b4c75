"""Load the fictional demo assemblies and people; running it again changes nothing."""

import contextlib
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
from assembly.meetings import services as meeting_services
from assembly.meetings.models import Meeting, Registration

DEMO_PASSWORD = "demo-asamblea-2026"

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
                email=email, defaults={"display_name": name, "language": language}
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
        for name_en, name_es, description_en, description_es in ZONES:
            Zone.objects.get_or_create(
                assembly=main,
                name_en=name_en,
                defaults={"name_es": name_es, "description_en": description_en, "description_es": description_es},
            )

        self._meetings(main, people)

        self.stdout.write(f"Demo log-ins (password for all: {DEMO_PASSWORD}):")
        for email, name, language, role in PEOPLE:
            what = role.label if role else "asked to join"
            self.stdout.write(f"  {email:28} {name:22} {language}  {what}")

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
        "days": 3,
        "hours": 2,
        "status": Meeting.Status.PUBLISHED,
        "signups": ["vecina@example.org", "neighbor@example.org", "facilitator@example.org"],
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
