from datetime import timedelta

import factory
from django.db.models import F
from django.utils import timezone

from assembly.meetings.models import AgendaItem, Meeting, Registration
from tests.factories import AssemblyFactory, UserFactory


class MeetingFactory(factory.django.DjangoModelFactory):
    """A published meeting a week from now, two hours long, with no seat limit."""

    class Meta:
        model = Meeting

    assembly = factory.SubFactory(AssemblyFactory)
    title_en = factory.Sequence(lambda n: f"Meeting {n}")
    title_es = factory.Sequence(lambda n: f"Reunión {n}")
    starts_at = factory.LazyFunction(lambda: (timezone.now() + timedelta(days=7)).replace(microsecond=0))
    ends_at = factory.LazyAttribute(lambda meeting: meeting.starts_at + timedelta(hours=2))
    place_name_en = "Community center"
    place_name_es = "Centro comunitario"
    address = "1200 W Hidden St"
    status = Meeting.Status.PUBLISHED

    class Params:
        past = factory.Trait(
            starts_at=factory.LazyFunction(lambda: (timezone.now() - timedelta(days=3)).replace(microsecond=0))
        )
        draft = factory.Trait(status=Meeting.Status.DRAFT)
        cancelled = factory.Trait(status=Meeting.Status.CANCELLED)


class RegistrationFactory(factory.django.DjangoModelFactory):
    """A member's confirmed seat; the meeting's seat count follows, as the services would keep it."""

    class Meta:
        model = Registration
        skip_postgeneration_save = True

    meeting = factory.SubFactory(MeetingFactory)
    user = factory.SubFactory(UserFactory)
    status = Registration.Status.CONFIRMED
    queued_at = factory.LazyFunction(timezone.now)

    class Params:
        guest = factory.Trait(
            user=None,
            guest_alias=factory.Sequence(lambda n: f"Guest {n}"),
            guest_email=factory.Sequence(lambda n: f"guest{n}@example.net"),
        )

    @factory.post_generation
    def count_seat(self, create, extracted, **kwargs):
        if create and self.status == Registration.Status.CONFIRMED:
            Meeting.objects.filter(pk=self.meeting_id).update(seats_taken=F("seats_taken") + 1)
            self.meeting.refresh_from_db(fields=["seats_taken"])


class AgendaItemFactory(factory.django.DjangoModelFactory):
    """A 15-minute main item on a meeting's agenda, after the items made before it."""

    class Meta:
        model = AgendaItem

    meeting = factory.SubFactory(MeetingFactory)
    title_en = factory.Sequence(lambda n: f"Item {n}")
    title_es = factory.Sequence(lambda n: f"Punto {n}")
    duration = 15
    position = factory.Sequence(lambda n: n)
    status = AgendaItem.Status.ACCEPTED

    class Params:
        proposed = factory.Trait(
            status=AgendaItem.Status.PROPOSED,
            position=0,
            proposed_by=factory.SubFactory(UserFactory),
            owner=factory.SelfAttribute("proposed_by"),
        )
