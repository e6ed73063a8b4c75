"""Signal through a signal-cli REST API (bbernhard/signal-cli-rest-api) that we run, with pysignalclirestapi."""

import logging

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from pysignalclirestapi import SignalCliRestApi
from pysignalclirestapi.api import SignalCliRestApiError

from assembly.common.phones import phone_normalize
from assembly.notify import channels, registry

logger = logging.getLogger(__name__)

# What signal-cli says when no retry can help: the number has no Signal account, or is not a number.
PERMANENT_ERRORS = ("unregistered", "invalid", "not a valid")


class _TimeoutSession(requests.Session):
    def request(self, *args, **kwargs):
        kwargs.setdefault("timeout", settings.PROVIDER_TIMEOUT)
        return super().request(*args, **kwargs)


class _Client(SignalCliRestApi):
    """The library's client, asking the API's version and mode once, not twice per message, and with a timeout."""

    _about: dict | None = None

    def about(self):
        if self._about is None:
            url = self._base_url + "/v1/about"
            response = requests.get(url, auth=self._auth, verify=self._verify_ssl, timeout=settings.PROVIDER_TIMEOUT)
            response.raise_for_status()
            self._about = response.json()
        return self._about


def signal_client() -> SignalCliRestApi:
    """A client for our Signal number; it asks the API for its version and mode, so it can raise SendError."""
    if not (settings.SIGNAL_API_URL and settings.SIGNAL_NUMBER):
        raise ImproperlyConfigured("The Signal backend needs SIGNAL_API_URL and SIGNAL_NUMBER.")
    try:
        client = _Client(settings.SIGNAL_API_URL.rstrip("/"), settings.SIGNAL_NUMBER)
    except (requests.RequestException, SignalCliRestApiError, ValueError) as error:
        raise channels.SendError(f"signal-cli unreachable: {type(error).__name__}") from None
    client._session = _TimeoutSession()
    return client


class SignalBackend:
    """Send each message from our Signal number; the client is made on first use, since making it calls the API."""

    def __init__(self, channel: str = channels.SIGNAL):
        if not (settings.SIGNAL_API_URL and settings.SIGNAL_NUMBER):
            raise ImproperlyConfigured("The Signal backend needs SIGNAL_API_URL and SIGNAL_NUMBER.")
        self.channel = channel
        self.client: SignalCliRestApi | None = None

    def send(self, *, to: str, text: str) -> str:
        if self.client is None:
            self.client = signal_client()
        try:
            sent = self.client.send_message(text, [to])
        except SignalCliRestApiError as error:
            reason = str(error).lower()
            if error.__cause__ is None and any(word in reason for word in PERMANENT_ERRORS):
                raise channels.SendError("signal-cli refused the number", permanent=True) from None
            # Its text may quote the number: say only what kind of failure it was.
            raise channels.SendError(f"signal-cli failed: {type(error.__cause__ or error).__name__}") from None
        except (requests.RequestException, ValueError, TypeError) as error:
            raise channels.SendError(f"signal-cli unreachable: {type(error).__name__}") from None
        return str((sent or {}).get("timestamp", ""))


def signal_receive() -> int:
    """Fetch what people sent our Signal number, hand each text to the apps, and queue each reply; return how many.

    signal-cli drops what it handed over, so a crash here loses those texts, as a phone's unread SMS would
    not be: people are told to write again when no answer comes.
    """
    from assembly.notify import services

    client = signal_client()
    try:
        envelopes = client.receive(timeout=1)
    except SignalCliRestApiError as error:
        raise channels.SendError(f"signal-cli receive failed: {type(error.__cause__ or error).__name__}") from None
    handled = 0
    for item in envelopes or []:
        envelope = (item or {}).get("envelope") or {}
        text = ((envelope.get("dataMessage") or {}).get("message") or "").strip()
        sender = envelope.get("sourceNumber") or ""
        if not text or not sender:
            # Receipts, typing notices, and people who hide their number: nothing to answer.
            continue
        inbound = registry.InboundText(channels.SIGNAL, phone_normalize(sender) or sender, settings.SIGNAL_NUMBER, text)
        reply = services.text_receive(inbound)
        services.text_reply(channel=channels.SIGNAL, to=sender, text=reply)
        handled += 1
    return handled
