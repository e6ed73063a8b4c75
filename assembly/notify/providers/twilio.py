"""SMS through Twilio's Programmable Messaging, with the twilio library."""

import logging
import os
from urllib.parse import urlsplit, urlunsplit

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from requests.utils import get_environ_proxies
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from assembly.notify import channels
from assembly.notify.providers import permanent_status, site_url

logger = logging.getLogger(__name__)


class _BaseUrlHttpClient(TwilioHttpClient):
    """Send every request to TWILIO_API_BASE instead of Twilio's hosts: a private relay, or the local fake.

    The client builds full URLs from its domains (api.twilio.com); only the scheme and host are swapped, so the
    paths and the signing of status callbacks stay exactly Twilio's.
    """

    def __init__(self, base: str, **kwargs):
        super().__init__(**kwargs)
        self.base = urlsplit(base)

    def request(self, method, url, *args, **kwargs):
        parts = urlsplit(url)
        url = urlunsplit((self.base.scheme, self.base.netloc, parts.path, parts.query, parts.fragment))
        return super().request(method, url, *args, **kwargs)


def twilio_client() -> Client:
    """A client with its own pool of connections, sending to TWILIO_API_BASE.

    requests reads the proxy variables of the environment on every request, a fifth of a text's cost in a
    worker: they are read once here instead.
    """
    if not (settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN):
        raise ImproperlyConfigured("The Twilio backend needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN.")
    options = {"timeout": settings.PROVIDER_TIMEOUT, "proxy": get_environ_proxies(settings.TWILIO_API_BASE)}
    if settings.TWILIO_API_BASE == "https://api.twilio.com":
        http_client = TwilioHttpClient(**options)
    else:
        http_client = _BaseUrlHttpClient(settings.TWILIO_API_BASE, **options)
    http_client.session.trust_env = False
    http_client.session.verify = os.environ.get("REQUESTS_CA_BUNDLE") or True
    return Client(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, http_client=http_client)


class TwilioBackend:
    """Hand each text to Twilio and ask it to report delivery to our status webhook.

    One client, and so one pool of connections, per backend: a batch reuses its connection.
    """

    def __init__(self, channel: str = channels.SMS):
        if not settings.TWILIO_FROM:
            raise ImproperlyConfigured("The Twilio backend needs TWILIO_FROM (a number or a Messaging Service SID).")
        self.channel = channel
        self.client = twilio_client()
        sender = settings.TWILIO_FROM
        # A Messaging Service picks the sending number from its pool.
        self.sender = {"messaging_service_sid": sender} if sender.startswith("MG") else {"from_": sender}
        self.status_callback = site_url("notify_twilio_status")

    def send(self, *, to: str, text: str) -> str:
        try:
            message = self.client.messages.create(to=to, body=text, status_callback=self.status_callback, **self.sender)
        except TwilioRestException as error:
            # Its message quotes the number: keep the status and Twilio's code only.
            raise channels.SendError(
                f"Twilio {error.status} error {error.code}", permanent=permanent_status(error.status)
            ) from None
        except (TwilioException, requests.RequestException) as error:
            raise channels.SendError(f"Twilio unreachable: {type(error).__name__}") from None
        return message.sid or ""
