"""An SMTP server on loopback for the outbox tests, built on aiosmtpd."""

import asyncio
import re
import threading
from collections import Counter
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from urllib.parse import urlsplit

import icalendar
from aiosmtpd.controller import Controller

# make_msgid(idstring=f"m{pk}") puts the outbox row's id just before the domain.
_MESSAGE_PK = re.compile(r"\.m(\d+)@")


@dataclass(frozen=True)
class Delivery:
    """One message the SMTP server accepted."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    def header(self, name: str) -> str:
        """A header's value; a long one is folded onto the next line, so it may start with whitespace."""
        return str(self.message[name]).strip()

    @property
    def subject(self) -> str:
        return self.header("Subject")

    @property
    def outbox_pk(self) -> int:
        """The id of the outbox row this message was rendered from, read back from its Message-ID."""
        return int(_MESSAGE_PK.search(self.message["Message-ID"]).group(1))

    @property
    def text(self) -> str:
        return self.message.get_body(preferencelist=("plain",)).get_content()

    @property
    def html(self) -> str:
        return self.message.get_body(preferencelist=("html",)).get_content()

    @property
    def unsubscribe_path(self) -> str:
        """The path of the List-Unsubscribe link, to post to with the test client."""
        return urlsplit(self.header("List-Unsubscribe").strip("<>")).path

    def calendars(self) -> list[icalendar.Calendar]:
        return [
            icalendar.Calendar.from_ical(part.get_payload(decode=True))
            for part in self.message.walk()
            if part.get_content_type() == "text/calendar"
        ]


class SmtpSink:
    """An SMTP server on a loopback port that keeps every message it accepts.

    It can refuse every message (at DATA) or one address (at RCPT) with a chosen reply, be stopped and started
    again on the same port, answer every message slowly, and hold back its answer to the n-th message it
    receives until told what to answer (or to accept it).
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self.held = threading.Event()
        self._lock = threading.Lock()
        self._deliveries: list[Delivery] = []
        self._received = 0
        self._data_reply: str | None = None
        self._recipient_replies: dict[str, str] = {}
        self._hold_at: int | None = None
        self._held_reply: str | None = None
        self._accept_held = False
        self._delay = 0.0
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def refuse_all(self, reply: str) -> None:
        """Answer every message's DATA with reply, e.g. "451 4.7.1 Try again later"."""
        self._data_reply = reply

    def refuse_recipient(self, address: str, reply: str) -> None:
        """Answer RCPT TO:<address> with reply, as a server does for a mailbox it will not take."""
        self._recipient_replies[address] = reply

    def accept_all(self) -> None:
        self._data_reply = None
        self._recipient_replies.clear()

    def hold(self, nth: int) -> None:
        """Keep the n-th message this server receives waiting for its answer; `held` is set when it arrives."""
        self._hold_at = nth

    def answer_held(self, reply: str) -> None:
        self._held_reply = reply

    def accept_held(self) -> None:
        """Accept the held message after all, as a slow relay finally does."""
        self._accept_held = True

    def slow(self, seconds: float) -> None:
        """Take this long to answer each message, as a slow relay does."""
        self._delay = seconds

    @property
    def deliveries(self) -> list[Delivery]:
        with self._lock:
            return list(self._deliveries)

    def to(self, address: str) -> list[Delivery]:
        return [delivery for delivery in self.deliveries if delivery.rcpt_tos == [address]]

    def count_by_recipient(self) -> Counter:
        return Counter(address for delivery in self.deliveries for address in delivery.rcpt_tos)

    def count_by_outbox_pk(self) -> Counter:
        return Counter(delivery.outbox_pk for delivery in self.deliveries)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self._recipient_replies.get(address)
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            self._received += 1
            number = self._received
        if number == self._hold_at:
            self.held.set()
            # The client waits for an answer it may never get: the test kills it, or answers for us.
            while self._held_reply is None and not self._accept_held:
                await asyncio.sleep(0.01)
            if not self._accept_held:
                return self._held_reply
        if self._delay:
            await asyncio.sleep(self._delay)
        if self._data_reply is not None:
            return self._data_reply
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        with self._lock:
            self._deliveries.append(Delivery(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"
