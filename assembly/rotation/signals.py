from django.db.models.signals import post_save, pre_delete
from django.dispatch import receiver

from assembly.assemblies.models import Assembly, Membership
from assembly.assemblies.services import departure_is_alone
from assembly.rotation import services
from assembly.rotation.models import RoleType
from assembly.rotation.seeds import seed_role_types


@receiver(post_save, sender=Assembly, dispatch_uid="rotation_seed_role_types")
def seed_new_assembly(sender, instance: Assembly, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        seed_role_types(RoleType, instance.pk)


@receiver(pre_delete, sender=Membership, dispatch_uid="rotation_free_roles_of_departing_member")
def free_roles_of_departing_member(sender, instance: Membership, origin=None, **kwargs) -> None:
    # The cascade would delete the assignments silently and leave the roles empty with nobody asked.
    if departure_is_alone(origin):
        services.assignments_end(membership=instance)
