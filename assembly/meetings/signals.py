from django.contrib.auth import get_user_model
from django.db.models.signals import pre_delete
from django.dispatch import receiver

from assembly.assemblies.models import Membership
from assembly.assemblies.services import departure_is_alone
from assembly.meetings import services


@receiver(pre_delete, sender=Membership, dispatch_uid="meetings_end_signups_of_departing_member")
def end_signups_of_departing_member(sender, instance: Membership, origin=None, **kwargs) -> None:
    # A request to join that is withdrawn or declined gave no access: sign-ups to public meetings stay.
    if departure_is_alone(origin) and instance.is_active:
        services.registrations_end(user_id=instance.user_id, assembly_id=instance.assembly_id)


@receiver(pre_delete, sender=get_user_model(), dispatch_uid="meetings_end_signups_of_deleted_account")
def end_signups_of_deleted_account(sender, instance, **kwargs) -> None:
    # Sign-ups to public meetings need no membership; the cascade alone would keep their seats taken.
    services.registrations_end(user_id=instance.pk)
