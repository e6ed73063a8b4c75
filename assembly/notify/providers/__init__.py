"""The text providers: each a backend with the interface of assembly.notify.channels, through its maintained client.

Which one serves a channel is a setting (SMS_BACKEND, SIGNAL_BACKEND). A provider's refusal that a retry cannot
change (a number that does not exist, a person who texted STOP) is a permanent SendError; a busy or unreachable
provider is a temporary one, and the outbox tries again later. Errors carry status codes, never numbers or text.
"""

from django.conf import settings
from django.urls import reverse


def site_url(name: str) -> str:
    """The absolute URL of one of our webhooks, as the provider calls it and as its signature covers it."""
    return settings.SITE_URL + reverse(name)


def permanent_status(status: int | None) -> bool:
    """A refusal for this message alone: any 4xx but a rate limit (429) and our own credentials (401, 403),
    which a retry after the operator fixes them or after a pause can still send."""
    return status is not None and 400 <= status < 500 and status not in {401, 403, 408, 429}
