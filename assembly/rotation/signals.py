from django.db.models.signals import post_save
from django.dispatch import receiver

from assembly.assemblies.models import Assembly
from assembly.rotation.models import RoleType
from assembly.rotation.seeds import seed_role_types


@receiver(post_save, sender=Assembly, dispatch_uid="rotation_seed_role_types")
def seed_new_assembly(sender, instance: Assembly, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        seed_role_types(RoleType, instance.pk)
