"""SMS through SMS Gateway for Android (a phone of ours with the gateway app), with android-sms-gateway."""

import requests
from android_sms_gateway import client as gateway
from android_sms_gateway import domain, errors, http
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from assembly.notify import channels
from assembly.notify.providers import permanent_status


class _TimeoutSession(requests.Session):
    """A session whose requests give up after PROVIDER_TIMEOUT: the library sets none."""

    def request(self, *args, **kwargs):
        kwargs.setdefault("timeout", settings.PROVIDER_TIMEOUT)
        return super().request(*args, **kwargs)


class AndroidGatewayBackend:
    """Queue each text on the gateway phone, with a delivery report that comes back to our webhook."""

    def __init__(self, channel: str = channels.SMS):
        if not (settings.ANDROID_GATEWAY_URL and settings.ANDROID_GATEWAY_PASSWORD):
            raise ImproperlyConfigured("The Android gateway backend needs ANDROID_GATEWAY_URL and its credentials.")
        self.channel = channel
        self.client = gateway.APIClient(
            settings.ANDROID_GATEWAY_LOGIN or None,
            settings.ANDROID_GATEWAY_PASSWORD,
            base_url=settings.ANDROID_GATEWAY_URL,
            http=http.RequestsHttpClient(session=_TimeoutSession()),
        )

    def send(self, *, to: str, text: str) -> str:
        message = domain.Message(
            phone_numbers=[to], text_message=domain.TextMessage(text=text), with_delivery_report=True
        )
        try:
            state = self.client.send(message)
        except errors.APIError as error:
            raise channels.SendError(
                f"gateway {error.status_code} error", permanent=permanent_status(error.status_code)
            ) from None
        except (requests.RequestException, ValueError, KeyError) as error:
            raise channels.SendError(f"gateway unreachable: {type(error).__name__}") from None
        return state.id
