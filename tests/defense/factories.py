import factory
from django.db.models import F

from assembly.assemblies.models import Membership
from assembly.defense.models import Claim, DefenseRole, GamePlan, MeetingPoint, PlanResource, PlanStep, RoleKind
from tests.factories import AssemblyFactory, MembershipFactory


def seeded_kind(assembly, key: str) -> RoleKind:
    return RoleKind.objects.get(assembly=assembly, key=key)


class RoleKindFactory(factory.django.DjangoModelFactory):
    """A kind of role a coordinator added by hand: no seed key, named in both languages."""

    class Meta:
        model = RoleKind

    assembly = factory.SubFactory(AssemblyFactory)
    name_en = factory.Sequence(lambda n: f"Kind {n}")
    name_es = factory.Sequence(lambda n: f"Tipo {n}")
    position = factory.Sequence(lambda n: 100 + n)


class GamePlanFactory(factory.django.DjangoModelFactory):
    """An active home-raid plan, written in both languages."""

    class Meta:
        model = GamePlan

    assembly = factory.SubFactory(AssemblyFactory)
    title_en = factory.Sequence(lambda n: f"Plan {n}")
    title_es = factory.Sequence(lambda n: f"Plan de defensa {n}")
    summary_en = "Verify, gather, observe, support the family."
    summary_es = "Verificar, reunirnos, observar, apoyar a la familia."
    scenario = GamePlan.Scenario.HOME_RAID
    status = GamePlan.Status.ACTIVE

    class Params:
        draft = factory.Trait(status=GamePlan.Status.DRAFT)
        archived = factory.Trait(status=GamePlan.Status.ARCHIVED)


class DefenseRoleFactory(factory.django.DjangoModelFactory):
    """Places for the seeded kind `key` of the plan's assembly, in the whole area."""

    class Meta:
        model = DefenseRole

    class Params:
        key = "rapid-responder"

    plan = factory.SubFactory(GamePlanFactory)
    kind = factory.LazyAttribute(lambda role: seeded_kind(role.plan.assembly, role.key))
    needed = 3
    description_en = "Gather at the meeting point and stay together."
    description_es = "Reúnete en el punto de encuentro y quédate en grupo."


def _rank_for(role: DefenseRole) -> str:
    return Membership.Role.FACILITATOR if role.kind.key == "dispatcher" else Membership.Role.MEMBER


class ClaimFactory(factory.django.DjangoModelFactory):
    """A member holding a place in a role; the role's count follows, as the services would keep it."""

    class Meta:
        model = Claim
        skip_postgeneration_save = True

    role = factory.SubFactory(DefenseRoleFactory)
    # Dispatchers are facilitators: the services let nobody else take, or use, that role.
    membership = factory.SubFactory(
        MembershipFactory,
        assembly=factory.SelfAttribute("..role.plan.assembly"),
        role=factory.LazyAttribute(
            lambda m: Membership.Role.FACILITATOR
            if m.factory_parent.role.kind.key == "dispatcher"
            else Membership.Role.MEMBER
        ),
    )

    @factory.post_generation
    def count_place(self, create, extracted, **kwargs):
        if create:
            DefenseRole.objects.filter(pk=self.role_id).update(filled=F("filled") + 1)
            self.role.refresh_from_db(fields=["filled"])


class PlanStepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanStep

    plan = factory.SubFactory(GamePlanFactory)
    position = factory.Sequence(lambda n: n)
    text_en = factory.Sequence(lambda n: f"Step {n}: tell the dispatcher.")
    text_es = factory.Sequence(lambda n: f"Paso {n}: avisa al despacho.")


class MeetingPointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MeetingPoint

    plan = factory.SubFactory(GamePlanFactory)
    position = factory.Sequence(lambda n: n)
    name_en = factory.Sequence(lambda n: f"Laundromat {n}")
    name_es = factory.Sequence(lambda n: f"Lavandería {n}")
    description_en = "Inside, by the back wall."
    description_es = "Adentro, junto a la pared del fondo."


class PlanResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanResource

    plan = factory.SubFactory(GamePlanFactory)
    position = factory.Sequence(lambda n: n)
    kind = PlanResource.Kind.HOTLINE
    title_en = "Rapid-response hotline"
    title_es = "Línea de respuesta rápida"
    body_en = "555-0100, day and night."
    body_es = "555-0100, de día y de noche."
