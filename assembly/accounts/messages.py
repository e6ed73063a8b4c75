"""The test message a person sends themselves from their profile, by each channel they chose for alerts."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from assembly.notify import channels
from assembly.notify.links import absolute_url
from assembly.notify.models import Message
from assembly.notify.registry import MessageKind, Recipient, register_assembly_objects, register_kind

EMAIL = "email"
CHANNELS = (EMAIL, *channels.TEXT_CHANNELS)
# One kind per channel; the text channels share one template.
TEST_KINDS = {EMAIL: "channel_test", **{channel: f"channel_test_{channel}" for channel in channels.TEXT_CHANNELS}}


def _test_context(*, message, recipient: Recipient) -> dict:
    channel = next(channel for channel, kind in TEST_KINDS.items() if kind == message.kind)
    return {"channel": channel, "profile_url": absolute_url("profile", language=recipient.language)}


for channel, name in TEST_KINDS.items():
    # On the alerts' queue: the test takes the road an alert would, through the same workers.
    register_kind(
        MessageKind(
            name,
            _("Test messages I ask for"),
            _test_context,
            queue=settings.ALERTS_QUEUE,
            channel=channel,
            template="" if channel == EMAIL else "sms/channel_test.txt",
        )
    )

# A test message is about its person, never about something of an assembly: no assembly's page lists it.
register_assembly_objects(TEST_KINDS.values(), lambda assembly_id: Message.objects.none().values("pk"))
