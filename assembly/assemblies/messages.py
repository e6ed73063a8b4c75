"""Members as message recipients: a key names a membership, reached through its account."""

from django.db.models.signals import post_delete
from django.dispatch import receiver

from assembly.assemblies.models import Membership
from assembly.notify.registry import Recipient, recipient_key, register_recipients, text_channels_of
from assembly.notify.services import messages_forget_recipient

PERSON = (
    "user__email",
    "user__language",
    "user__display_name",
    "user__phone",
    "user__alerts_by_sms",
    "user__alerts_by_signal",
)


def _recipient(user_id, email, language, name, phone, by_sms, by_signal) -> Recipient:
    return Recipient(
        email,
        language,
        name,
        recipient_key("user", user_id),
        phone=phone,
        text_channels=text_channels_of(by_sms, by_signal),
    )


def membership_recipient(pk: int) -> Recipient | None:
    """A member of an assembly, reached as their account; their opt-outs follow the account."""
    # One narrow query: a wave of alerts resolves a recipient per message.
    row = (
        Membership.objects.filter(pk=pk, status=Membership.Status.ACTIVE, user__is_active=True)
        .values_list("user_id", *PERSON)
        .order_by()[:1]
    )
    if not row:
        return None
    return _recipient(*row[0])


def membership_recipients(pks: list[int]) -> dict[int, Recipient]:
    """The active members among these memberships, in one query: a batch of alert messages reads them at once."""
    rows = (
        Membership.objects.filter(pk__in=pks, status=Membership.Status.ACTIVE, user__is_active=True)
        .values_list("pk", "user_id", *PERSON)
        .order_by()
    )
    return {pk: _recipient(*row) for pk, *row in rows}


register_recipients("membership", membership_recipient, many=membership_recipients)


@receiver(post_delete, sender=Membership, dispatch_uid="assemblies.forget_membership_messages")
def forget_membership_messages(sender, instance: Membership, **kwargs) -> None:
    """A member who leaves, or deletes their account, leaves no message rows naming their membership."""
    messages_forget_recipient(recipient_key=recipient_key("membership", instance.pk))
