"""Reads of the outbox for the people who organize: what went out, what waits, what failed."""

from collections.abc import Iterable

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from assembly.notify import registry
from assembly.notify.models import Message

State = Message.State
CHANNEL_LABELS = {"email": _("Email"), "sms": _("Text message"), "signal": _("Signal")}
CHANNELS = tuple(CHANNEL_LABELS)
# What a dispatcher needs to know of a message: it went, it is on its way, or it did not go.
DELIVERY = {
    State.DELIVERED: "delivered",
    State.SENT: "sent",
    State.PENDING: "queued",
    State.SENDING: "queued",
    State.FAILED: "failed",
}


def messages_of_assembly(*, assembly_id: int) -> QuerySet[Message]:
    """Every message about something of the assembly, as each app registered it (register_assembly_objects)."""
    scope = Q(pk__in=[])
    for objects, kinds in registry.assembly_objects():
        scope |= Q(kind__in=kinds, object_id__in=objects(assembly_id))
    return Message.objects.filter(scope)


def failed_messages_of_assembly(*, assembly_id: int) -> QuerySet[Message]:
    """The assembly's messages that failed for good, the latest tried first."""
    return messages_of_assembly(assembly_id=assembly_id).filter(state=State.FAILED).order_by("-claimed_at", "-pk")


def delivery_counts(*, kinds: list[str], object_id: int) -> dict[str, dict[str, int]]:
    """How many messages about one object were delivered, sent, are queued and failed, per channel."""
    counts = {channel: dict.fromkeys(("delivered", "sent", "queued", "failed"), 0) for channel in CHANNELS}
    rows = Message.objects.filter(kind__in=kinds, object_id=object_id).values_list("kind", "state")
    for kind, state, number in rows.annotate(number=Count("pk")).order_by():
        counts[channel_of(kind)][DELIVERY[state]] += number
    return counts


def channel_of(kind: str) -> str:
    try:
        return registry.get_kind(kind).channel
    except KeyError:
        return "email"


def latest_object_for(*, keys: list[str], kinds: list[str], among: Iterable[int]) -> tuple[int, str] | None:
    """The object and recipient of the newest message of these kinds to any of these people, among some objects.

    `among` may be a queryset of primary keys: it runs as a subquery. The unique index on (recipient_key, kind, ...)
    finds a person's few messages without reading anyone else's, however many the outbox holds.
    """
    if not keys:
        return None
    return (
        Message.objects.filter(recipient_key__in=keys, kind__in=kinds, object_id__in=among)
        .order_by("-created_at", "-pk")
        .values_list("object_id", "recipient_key")
        .first()
    )
