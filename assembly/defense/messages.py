"""The messages alerts send, by email and by text message, on the alerts' own queue."""

import time

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from assembly.assemblies.models import Membership
from assembly.defense import alerts, links
from assembly.defense.models import Alert, AlertEvent
from assembly.notify.channels import TEXT_CHANNELS
from assembly.notify.links import absolute_url
from assembly.notify.registry import MessageKind, Recipient, batch_cached, register_assembly_objects, register_kind


def _still_for(alert: Alert, kind: str, membership_id: int) -> bool:
    """Whether the person still has a part in the alert: someone who released their role since is sent nothing more.

    Who is involved is read once per batch, for everyone at once; a hand-off, one message, asks about its one person.
    """
    if kind in ("alert_verify", "alert", "alert_update"):
        return membership_id in batch_cached(("alert-involved", alert.pk), lambda: alerts.involved(alert))
    if kind == "alert_handed":
        return alerts.can_raise(alert.plan, Membership.objects.filter(pk=membership_id).first(), alert.zone)
    return True


def _alert_context(*, message, recipient: Recipient) -> dict | None:
    alert = batch_cached(
        ("alert", message.object_id),
        lambda: Alert.objects.select_related("plan__assembly", "zone").filter(pk=message.object_id).first(),
    )
    if alert is None:
        return None
    kind = message.kind.removesuffix("_sms").removesuffix("_signal")
    # The alert is read once per batch; whether it is still on, again every fifth of a second of the batch:
    # an alert closed mid-batch must not go out with the details it no longer has.
    wanted = {
        "alert_verify": [Alert.Status.UNVERIFIED],
        "alert": Alert.OPEN,
        "alert_update": Alert.OPEN,
        "alert_handed": Alert.OPEN,
    }.get(kind)
    if wanted is not None:
        status = batch_cached(
            ("alert-status", alert.pk, int(time.monotonic() * 5)),
            lambda: Alert.objects.filter(pk=alert.pk).values_list("status", flat=True).first(),
        )
        if status not in wanted:
            return None
    update = None
    if kind in ("alert_update", "alert_handed"):
        # The occasion is the event's own row: gone with the alert's end, and then the message is not sent.
        update = AlertEvent.objects.filter(pk=int(message.occasion or 0), alert_id=alert.pk).first()
        if update is None:
            return None
    _prefix, _sep, membership_id = message.recipient_key.partition(":")
    if not _still_for(alert, kind, int(membership_id)):
        return None
    language = recipient.language
    # What every member's message about this alert shares, in their language, built once per batch.
    urls = batch_cached(("alert-urls", alert.pk, language), lambda: _alert_urls(alert, language))
    return {
        "update": update,
        "alert": alert,
        "plan": alert.plan,
        "zone": alert.zone,
        "assembly": alert.plan.assembly,
        "time_zone": alert.plan.assembly.time_zone,
        "answer_url": urls["answer"](int(membership_id)),
        "plan_url": urls["plan"],
        "board_url": urls["board"],
    }


def _alert_urls(alert: Alert, language: str) -> dict:
    slug = alert.plan.assembly.slug
    return {
        "answer": links.answer_url_maker(alert.pk, language=language),
        "plan": absolute_url("plan_detail", language=language, slug=slug, pk=alert.plan_id),
        "board": absolute_url("alert_board", language=language, slug=slug, alert_pk=alert.pk),
    }


# The one part of an alert's message that is the member's own: the outbox renders the rest once per batch.
PERSONAL = ("answer_url",)

for name, label in [
    ("alert_verify", _("Reports to verify in my zone")),
    ("alert", _("Verified alerts in my zone")),
    ("alert_over", _("Alerts that are over")),
    ("alert_update", _("Dispatchers' updates on an alert")),
]:
    # Anonymous: an alert says nothing of who was alerted; releasing the role, not a mail client's button, stops it.
    register_kind(
        MessageKind(name, label, _alert_context, anonymous=True, queue=settings.ALERTS_QUEUE, personal=PERSONAL)
    )
    for channel in TEXT_CHANNELS:
        # Signal carries the same words as a text message: one template for both.
        register_kind(
            MessageKind(
                f"{name}_{channel}",
                label,
                _alert_context,
                anonymous=True,
                queue=settings.ALERTS_QUEUE,
                channel=channel,
                template=f"sms/{name}_sms.txt",
                personal=PERSONAL,
            )
        )

# A hand-off goes to one dispatcher, by email: they open the board to take it.
register_kind(
    MessageKind(
        "alert_handed",
        _("Alerts handed to me"),
        _alert_context,
        anonymous=True,
        queue=settings.ALERTS_QUEUE,
        personal=PERSONAL,
    )
)

register_assembly_objects(
    [
        "alert_handed",
        *(
            f"{name}{suffix}"
            for name in ("alert_verify", "alert", "alert_over", "alert_update")
            for suffix in ("", "_sms", "_signal")
        ),
    ],
    lambda assembly_id: Alert.objects.filter(plan__assembly_id=assembly_id).values("pk"),
)
