"""What the providers call: delivery statuses and the texts people send us.

Each webhook is CSRF-exempt (the provider has no session) and trusts nothing it is not signed for: a bad
signature gets 403 and changes nothing. Rate-limited per address. Numbers and texts are handed on, never
logged and never stored here: a handler keeps what it acts on.
"""

import hashlib
import hmac
import json
import logging
import time
from functools import wraps

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator, get_signature_algorithm
from twilio.twiml.messaging_response import MessagingResponse

from assembly.common.cache import count_in_window
from assembly.common.phones import phone_normalize
from assembly.notify import channels, registry, services
from assembly.notify.models import Message

logger = logging.getLogger(__name__)
State = Message.State

# A signed request older than this is a replay.
ANDROID_MAX_AGE = 300


def _within_rate(request: HttpRequest) -> bool:
    """Count this request against its address's minute. Without Redis the limit cannot count, and the
    signature check still guards the door."""
    address = get_adapter(request).get_client_ip(request)
    return count_in_window("webhook", address, seconds=60) <= settings.WEBHOOK_RATE_PER_MINUTE


def webhook(view):
    """POST only, no CSRF token, and a rate limit per client address."""

    @csrf_exempt
    @require_POST
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not _within_rate(request):
            return HttpResponse("Too many requests.", status=429, content_type="text/plain")
        return view(request, *args, **kwargs)

    return wrapped


def _forbidden() -> HttpResponse:
    return HttpResponse("Bad signature.", status=403, content_type="text/plain")


def _twilio_signed(request: HttpRequest) -> bool:
    """Whether Twilio signed this request for exactly this URL (as SITE_URL names it) and these fields."""
    if not settings.TWILIO_AUTH_TOKEN:
        return False
    url = settings.SITE_URL + request.get_full_path()
    algorithm = get_signature_algorithm(request.headers.get("X-Twilio-Webhooks-Signature-Settings"))
    validator = RequestValidator(settings.TWILIO_AUTH_TOKEN)
    return validator.validate(url, request.POST, request.headers.get("X-Twilio-Signature", ""), algorithm=algorithm)


def delivery_record(*, provider_ref: str, delivered: bool, error: str = "") -> int:
    """Record what the provider says became of a message it took; return how many rows changed (0 or 1).

    Only a sent message moves: a late "delivered" never revives a row that failed, and a repeat changes nothing.
    """
    if not provider_ref:
        return 0
    rows = Message.objects.filter(provider_ref=provider_ref, state__in=[State.SENT, State.DELIVERED])
    if delivered:
        return rows.filter(state=State.SENT).update(state=State.DELIVERED)
    return rows.update(state=State.FAILED, last_error=error[:200])


# Twilio's final states; "sent" and "queued" say nothing new.
TWILIO_DELIVERED = {"delivered", "read"}
TWILIO_FAILED = {"failed", "undelivered"}


@webhook
def twilio_status(request: HttpRequest) -> HttpResponse:
    """Twilio's status callback for a message we sent: delivered, or failed with its error code."""
    if not _twilio_signed(request):
        return _forbidden()
    status = request.POST.get("MessageStatus", "")
    sid = request.POST.get("MessageSid", "")
    if status in TWILIO_DELIVERED:
        delivery_record(provider_ref=sid, delivered=True)
    elif status in TWILIO_FAILED:
        code = request.POST.get("ErrorCode", "")
        delivery_record(provider_ref=sid, delivered=False, error=f"Twilio {status}: error {code}".strip())
    return HttpResponse(status=204)


@webhook
def twilio_sms(request: HttpRequest) -> HttpResponse:
    """A text a person sent our Twilio number: the reply rides back in the TwiML answer, nothing else to send."""
    if not _twilio_signed(request):
        return _forbidden()
    sender = phone_normalize(request.POST.get("From", ""))
    answer = MessagingResponse()
    if sender:
        inbound = registry.InboundText(
            channels.SMS, sender, phone_normalize(request.POST.get("To", "")), request.POST.get("Body", "")
        )
        reply = services.text_receive(inbound)
        if reply:
            answer.message(reply)
    return HttpResponse(str(answer), content_type="text/xml; charset=utf-8")


def _android_signed(request: HttpRequest, *, now: float | None = None) -> bool:
    """SMS Gateway for Android signs the raw body followed by the X-Timestamp header with HMAC-SHA256 (hex)."""
    secret = settings.ANDROID_GATEWAY_WEBHOOK_SECRET
    stamp = request.headers.get("X-Timestamp", "")
    signature = request.headers.get("X-Signature", "")
    if not (secret and stamp.isdigit() and signature):
        return False
    if abs((now or time.time()) - int(stamp)) > ANDROID_MAX_AGE:
        return False
    expected = hmac.new(secret.encode(), request.body + stamp.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature.lower())


@webhook
def android_gateway(request: HttpRequest) -> HttpResponse:
    """The gateway phone's events: a text a person sent us, or what became of one we sent."""
    if not _android_signed(request):
        return _forbidden()
    try:
        event = json.loads(request.body)
        kind, payload = event["event"], event.get("payload") or {}
    except (ValueError, KeyError, TypeError):
        return HttpResponse("Not an event.", status=400, content_type="text/plain")
    if kind == "sms:received":
        sender = phone_normalize(str(payload.get("phoneNumber", "")))
        if sender:
            inbound = registry.InboundText(
                channels.SMS,
                sender,
                phone_normalize(str(payload.get("recipient") or "")),
                str(payload.get("message", "")),
            )
            services.text_reply(channel=channels.SMS, to=sender, text=services.text_receive(inbound))
    elif kind == "sms:delivered":
        delivery_record(provider_ref=str(payload.get("messageId", "")), delivered=True)
    elif kind == "sms:failed":
        delivery_record(provider_ref=str(payload.get("messageId", "")), delivered=False, error="gateway: not delivered")
    return HttpResponse(status=204)
