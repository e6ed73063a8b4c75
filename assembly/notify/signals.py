from django.db.models.signals import post_delete

from assembly.notify.models import Message, OptOut
from assembly.notify.registry import recipient_key


def forget_deleted_user(sender, instance, **kwargs) -> None:
    """A deleted account leaves no message rows or settings behind."""
    key = recipient_key("user", instance.pk)
    Message.objects.filter(recipient_key=key).delete()
    OptOut.objects.filter(preference_key=key).delete()


def connect(user_model) -> None:
    post_delete.connect(forget_deleted_user, sender=user_model, dispatch_uid="notify.forget_deleted_user")
