"""What notify knows of the rest of the site: message kinds and recipient resolvers, registered by each app."""

import contextvars
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.utils.functional import Promise


@dataclass(frozen=True)
class Recipient:
    email: str
    language: str
    name: str
    # Whose opt-outs apply: a member's preferences follow them across meetings.
    preference_key: str
    # For text messages; empty when the person gave no number.
    phone: str = ""
    # The text channels ("sms", "signal") the person takes messages by now: one turned off since a message was
    # queued (a phone lost or seized) stops it before it goes.
    text_channels: frozenset[str] = frozenset(("sms", "signal"))


def text_channels_of(by_sms: bool, by_signal: bool) -> frozenset[str]:
    return frozenset(channel for channel, chosen in (("sms", by_sms), ("signal", by_signal)) if chosen)


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mimetype: str


@dataclass(frozen=True)
class MessageKind:
    """A kind of message: by email, its templates are emails/<name>_subject.txt, _body.txt and _body.html;
    by a text channel ("sms", "signal"), sms/<name>.txt unless `template` names another."""

    name: str
    label: Promise
    # The template context for one message, or None when its object is gone and nothing should be sent.
    context: Callable[..., dict | None]
    optional: bool = False
    # An anonymous kind says nothing of whom it is for, so a forwarded message or a log of its links gives no
    # one away: its templates get no recipient (no name), and it carries no preferences link and no
    # List-Unsubscribe header (both hold the person's key). Its own text says how to stop it.
    anonymous: bool = False
    queue: str = "celery"
    channel: str = "email"
    attachments: Callable[[dict], list[Attachment]] = field(default=lambda context: [])
    template: str = ""
    # Context values that alone differ between the messages of an anonymous kind about one object and occasion
    # in one language (an alert's answer link): a batch renders such messages once and puts each one's in.
    personal: tuple[str, ...] = ()

    @property
    def text_template(self) -> str:
        return self.template or f"sms/{self.name}.txt"


@dataclass(frozen=True)
class InboundText:
    """A message a person sent to the site by a text channel: from whom (E.164), to which of our numbers."""

    channel: str
    sender: str
    to: str
    text: str


_kinds: dict[str, MessageKind] = {}
# What the messages of one batch share (an alert, a meeting), read once per batch: see batch_cached.
_batch: contextvars.ContextVar[dict | None] = contextvars.ContextVar("notify_batch", default=None)


def batch_cached(key, load: Callable):
    """Load a value once per sending batch (or every time outside one): a batch lasts about a second."""
    cache = _batch.get()
    if cache is None:
        return load()
    if key not in cache:
        cache[key] = load()
    return cache[key]


def batch_cache() -> dict | None:
    """The running batch's cache, or None outside a batch."""
    return _batch.get()


def batch_begin() -> contextvars.Token:
    return _batch.set({})


def batch_end(token: contextvars.Token) -> None:
    _batch.reset(token)


# Who reads inbound texts: each handler returns a reply, or None when the text is not for it.
_inbound: list[Callable[[InboundText], str | None]] = []
_resolvers: dict[str, Callable[[int], Recipient | None]] = {}
# Optional: the same for many keys of a prefix in one query, {pk: Recipient}; a pk left out is nobody now.
_bulk_resolvers: dict[str, Callable[[list[int]], dict[int, Recipient]]] = {}
# Per kind, which of its objects belong to an assembly: notify knows assemblies, not what their objects are.
_assembly_objects: dict[str, Callable[[int], Iterable[int]]] = {}


def register_kind(kind: MessageKind) -> MessageKind:
    _kinds[kind.name] = kind
    return kind


def register_inbound(handler: Callable[[InboundText], str | None]) -> None:
    if handler not in _inbound:
        _inbound.append(handler)


def inbound_handlers() -> list[Callable[[InboundText], str | None]]:
    return list(_inbound)


def register_recipients(
    prefix: str,
    resolver: Callable[[int], Recipient | None],
    many: Callable[[list[int]], dict[int, Recipient]] | None = None,
) -> None:
    """`resolver(pk)` finds one recipient; `many(pks)`, when given, finds a batch's in one query."""
    _resolvers[prefix] = resolver
    if many is not None:
        _bulk_resolvers[prefix] = many
    else:
        _bulk_resolvers.pop(prefix, None)


def register_assembly_objects(kinds: Iterable[str], objects: Callable[[int], Iterable[int]]) -> None:
    """Say which objects of an assembly these kinds of message are about: objects(assembly_id) gives their ids.

    A queryset of primary keys serves as a subquery, so an assembly's messages are found in one query.
    """
    for kind in kinds:
        _assembly_objects[kind] = objects


def assembly_objects() -> list[tuple[Callable[[int], Iterable[int]], list[str]]]:
    """Each registered way to find an assembly's objects, with the kinds it answers for."""
    kinds_of: dict[Callable[[int], Iterable[int]], list[str]] = {}
    for kind, objects in _assembly_objects.items():
        kinds_of.setdefault(objects, []).append(kind)
    return list(kinds_of.items())


def get_kind(name: str) -> MessageKind:
    return _kinds[name]


def kinds_on_queue(queue: str) -> list[str]:
    return [kind.name for kind in _kinds.values() if kind.queue == queue]


def optional_kinds() -> list[MessageKind]:
    return [kind for kind in _kinds.values() if kind.optional]


def recipient_key(prefix: str, pk: int) -> str:
    return f"{prefix}:{pk}"


def resolve_recipient(key: str) -> Recipient | None:
    """Find who a key names now; None when they are gone (a deleted account gets nothing).

    Within a batch, a key that recipients_prefetch read is not read again.
    """
    cache = _batch.get()
    if cache is not None and ("recipient", key) in cache:
        return cache[("recipient", key)]
    prefix, _sep, pk = key.partition(":")
    resolver = _resolvers.get(prefix)
    if resolver is None or not pk.isdigit():
        return None
    return resolver(int(pk))


def recipients_prefetch(keys: Iterable[str]) -> None:
    """Read a batch's recipients with one query per prefix that has a bulk resolver, for resolve_recipient.

    Like the rest of batch_cached, what is read holds for the batch (about a second): someone whose access ends
    meanwhile loses their pending rows, and a row deleted before it is sent is not marked sent.
    """
    cache = _batch.get()
    if cache is None:
        return
    by_prefix: dict[str, list[int]] = {}
    for key in keys:
        prefix, _sep, pk = key.partition(":")
        if prefix in _bulk_resolvers and pk.isdigit() and ("recipient", key) not in cache:
            by_prefix.setdefault(prefix, []).append(int(pk))
    for prefix, pks in by_prefix.items():
        found = _bulk_resolvers[prefix](pks)
        for pk in pks:
            cache[("recipient", recipient_key(prefix, pk))] = found.get(pk)


def user_recipient(pk: int) -> Recipient | None:
    from assembly.accounts.models import User

    user = (
        User.objects.filter(pk=pk, is_active=True)
        .only("email", "language", "display_name", "phone", "alerts_by_sms", "alerts_by_signal")
        .first()
    )
    if user is None:
        return None
    return Recipient(
        email=user.email,
        language=user.language,
        name=user.display_name,
        preference_key=recipient_key("user", pk),
        phone=user.phone,
        text_channels=text_channels_of(user.alerts_by_sms, user.alerts_by_signal),
    )
