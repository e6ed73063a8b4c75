from django.db.models.signals import post_save, pre_delete
from django.dispatch import receiver

from assembly.assemblies.models import Assembly, Membership
from assembly.assemblies.services import departure_is_alone
from assembly.defense import services, shifts
from assembly.defense.models import RoleKind
from assembly.defense.seeds import seed_role_kinds


@receiver(post_save, sender=Assembly, dispatch_uid="defense_seed_role_kinds")
def seed_new_assembly(sender, instance: Assembly, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        seed_role_kinds(RoleKind, instance.pk)


@receiver(pre_delete, sender=Membership, dispatch_uid="defense_free_places_of_departing_member")
def free_places_of_departing_member(sender, instance: Membership, origin=None, **kwargs) -> None:
    # The cascade would delete the claims behind the counters' backs and leave their places taken for good.
    if departure_is_alone(origin):
        services.claims_release_all(membership=instance)


@receiver(post_save, sender=Membership, dispatch_uid="defense_end_dispatch_of_demoted_member")
def end_dispatch_below_facilitator(sender, instance: Membership, created: bool, raw: bool = False, **kwargs) -> None:
    # Dispatching needs the facilitator rank: below it, the shifts and the alerts held go at once.
    if created or raw:
        return
    if not (instance.is_active and instance.has_role(Membership.Role.FACILITATOR)):
        shifts.dispatch_end(membership_id=instance.pk)
