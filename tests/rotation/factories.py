import factory
from django.utils import timezone

from assembly.rotation.models import Absence, Assignment, RoleType, RotationProfile, Swap, Willingness
from tests.factories import AssemblyFactory, MembershipFactory
from tests.meetings.factories import MeetingFactory


class RoleTypeFactory(factory.django.DjangoModelFactory):
    """A role a coordinator added by hand: no seed key, named in both languages."""

    class Meta:
        model = RoleType

    assembly = factory.SubFactory(AssemblyFactory)
    name_en = factory.Sequence(lambda n: f"Role {n}")
    name_es = factory.Sequence(lambda n: f"Rol {n}")
    position = factory.Sequence(lambda n: 100 + n)


class RotationProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RotationProfile

    membership = factory.SubFactory(MembershipFactory)
    languages = factory.LazyFunction(lambda: ["en"])


class WillingnessFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Willingness

    membership = factory.SubFactory(MembershipFactory)
    role_type = factory.SubFactory(RoleTypeFactory, assembly=factory.SelfAttribute("..membership.assembly"))
    trained = False


class AbsenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Absence

    membership = factory.SubFactory(MembershipFactory)
    starts_on = factory.LazyFunction(timezone.localdate)
    ends_on = factory.SelfAttribute("starts_on")


class AssignmentFactory(factory.django.DjangoModelFactory):
    """Someone asked to take a role at a meeting a week from now."""

    class Meta:
        model = Assignment

    meeting = factory.SubFactory(MeetingFactory)
    role_type = factory.SubFactory(RoleTypeFactory, assembly=factory.SelfAttribute("..meeting.assembly"))
    membership = factory.SubFactory(MembershipFactory, assembly=factory.SelfAttribute("..meeting.assembly"))
    status = Assignment.Status.ASKED


class SwapFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Swap

    offered = factory.SubFactory(AssignmentFactory)
    wanted = factory.SubFactory(AssignmentFactory, meeting=factory.SelfAttribute("..offered.meeting"))
