import json
import re
from html import unescape
from pathlib import Path

import requests
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from assembly.common.phones import phone_normalize
from assembly.notify.fakes import FakeTwilio


def _fakes_env() -> dict:
    """The fakes `make run` started (it writes their settings to VAR_DIR/fakes.json), else this site's settings."""
    path = Path(settings.VAR_DIR) / "fakes.json"
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    return {
        "TWILIO_ACCOUNT_SID": settings.TWILIO_ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": settings.TWILIO_AUTH_TOKEN,
        "TWILIO_FROM": settings.TWILIO_FROM,
        "SIGNAL_API_URL": settings.SIGNAL_API_URL,
    }


class Command(BaseCommand):
    help = (
        "Text the running site from a fake phone, as a person answering an alert would: by SMS through the "
        "Twilio webhook (signed as Twilio signs it), or by Signal through the signal-cli fake. For `make run`."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("number", help="the fake phone's number, e.g. +13125550142")
        parser.add_argument("text", help='what the person writes, e.g. "1"')
        parser.add_argument("--signal", action="store_true", help="write by Signal instead of SMS")

    def handle(self, *args, number: str, text: str, signal: bool, **options) -> None:
        sender = phone_normalize(number)
        if not sender:
            raise CommandError("That is not a valid phone number; start with + and the country code.")
        env = _fakes_env()
        if signal:
            if not env.get("SIGNAL_API_URL"):
                raise CommandError("No Signal fake is running: start the site with `make run`.")
            requests.post(f"{env['SIGNAL_API_URL']}/_fake/inbound", json={"sender": sender, "text": text}, timeout=10)
            self.stdout.write(f"Queued for the site's next Signal check (every {settings.SIGNAL_RECEIVE_EVERY} s).")
            return
        if not env.get("TWILIO_AUTH_TOKEN"):
            raise CommandError("No Twilio fake is running: start the site with `make run`.")
        twilio = FakeTwilio(
            Path(settings.VAR_DIR) / "sms",
            account_sid=env["TWILIO_ACCOUNT_SID"],
            auth_token=env["TWILIO_AUTH_TOKEN"],
            number=env["TWILIO_FROM"],
        )
        try:
            response = twilio.text_in(settings.SITE_URL + "/webhooks/twilio/sms/", sender=sender, text=text)
        except requests.RequestException as error:
            raise CommandError(f"The site at {settings.SITE_URL} did not answer: {type(error).__name__}") from None
        if response.status_code != 200:
            raise CommandError(f"The site answered {response.status_code}.")
        replies = [unescape(reply) for reply in re.findall(r"<Message>(.*?)</Message>", response.text, re.DOTALL)]
        self.stdout.write("\n".join(f"Reply: {reply}" for reply in replies) or "No reply.")
