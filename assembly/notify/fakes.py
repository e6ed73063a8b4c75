"""Local stand-ins for the text providers' HTTP APIs, for tests, benchmarks and `make run`.

Each fake is a small threaded HTTP server on 127.0.0.1 that speaks the part of its provider's API that our
client library uses, answers as the provider does (errors included), writes every message it accepts as a
JSON file in a folder a person can read, and calls our webhooks back signed as the provider signs them.
Nothing here leaves the machine.

Fictional numbers with a fixed fate, as providers' test credentials have:
- +1 312 555 0190 to 0199: not a valid mobile number, refused for good (Twilio error 21211, a 400);
- +1 312 555 0180 to 0189: accepted, then reported undelivered (Twilio error 30003);
- any number in a fake's `busy` mapping: refused with that status (429 or 5xx), to be tried again.
"""

import base64
import hashlib
import hmac
import itertools
import json
import logging
import queue
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import requests
from twilio.request_validator import RequestValidator

logger = logging.getLogger(__name__)

REFUSED_PREFIX = "+1312555019"
UNDELIVERED_PREFIX = "+1312555018"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Many workers connect at once during an alert.
    request_queue_size = 128


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: with Nagle on, the body waits for the client's delayed ACK (40 ms).
    disable_nagle_algorithm = True

    def log_message(self, format, *args):
        """Quiet: the fakes see numbers and texts, which belong in their folder, not in a log."""

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _answer(self, status: int, payload=None, content_type: str = "application/json") -> None:
        body = b"" if payload is None else (payload if isinstance(payload, bytes) else json.dumps(payload).encode())
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _basic_auth(self) -> tuple[str, str] | None:
        header = self.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return None
        try:
            user, _sep, password = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return None
        return user, password

    def do_GET(self):
        if self.path == "/_fake/accepted":
            # Not the provider's: how a benchmark in another process counts what this fake took.
            return self._answer(200, {"accepted": self.server.fake.accepted})
        self.server.fake.get(self)

    def do_POST(self):
        self.server.fake.post(self)


class _Fake:
    """A server in a thread, a folder for what it accepts, and a thread that calls our webhooks back in order."""

    name = "fake"

    def __init__(self, folder: Path | str):
        self.folder = Path(folder)
        self.busy: dict[str, int] = {}
        self.accepted = 0
        self._count = itertools.count(1)
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._callbacks: queue.Queue = queue.Queue()
        self._session = requests.Session()
        self.callbacks_failed = 0
        # Tests hold the webhook calls and post them through Django's test client, inside the test's transaction.
        self.hold_callbacks = False
        # A provider reports delivery seconds later; the fake waits a little, so the site has recorded the
        # message's reference before its status arrives.
        self.callback_delay = 0.2
        # A benchmark with no web server turns them off.
        self.callbacks = True
        self._held: list[tuple[str, object, dict]] = []

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self, port: int = 0) -> "_Fake":
        self.folder.mkdir(parents=True, exist_ok=True)
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.fake = self
        threading.Thread(target=self._server.serve_forever, name=f"{self.name}-server", daemon=True).start()
        threading.Thread(target=self._call_back, name=f"{self.name}-callbacks", daemon=True).start()
        return self

    def stop(self) -> None:
        self._callbacks.put(None)
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def get(self, handler: _Handler) -> None:
        handler._answer(404, {"error": "not found"})

    def post(self, handler: _Handler) -> None:
        handler._answer(404, {"error": "not found"})

    def _keep(self, record: dict) -> None:
        """Write an accepted message where a person can read it (`make run`) and a test can count it."""
        with self._lock:
            self.accepted += 1
            serial = self.accepted
        name = f"{time.strftime('%Y%m%d-%H%M%S')}-{self.name}-{serial:06d}.json"
        (self.folder / name).write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")

    def messages(self) -> list[dict]:
        return [
            json.loads(path.read_text(encoding="utf-8")) for path in sorted(self.folder.glob(f"*-{self.name}-*.json"))
        ]

    def _call(self, url: str, data, headers: dict) -> None:
        if not self.callbacks:
            return
        if self.hold_callbacks:
            with self._lock:
                self._held.append((url, data, headers))
        else:
            self._callbacks.put((time.monotonic() + self.callback_delay, url, data, headers))

    def take_callbacks(self) -> list[tuple[str, object, dict]]:
        """The webhook calls held so far (url, data, headers), oldest first; with hold_callbacks only."""
        with self._lock:
            held, self._held = self._held, []
        return held

    def _call_back(self) -> None:
        while (job := self._callbacks.get()) is not None:
            due, url, data, headers = job
            time.sleep(max(due - time.monotonic(), 0))
            try:
                self._session.post(url, data=data, headers=headers, timeout=10)
            except requests.RequestException:
                # The site is not running (a benchmark without a web server): the provider would retry; we drop it.
                self.callbacks_failed += 1
            finally:
                self._callbacks.task_done()

    def drain(self, timeout: float = 30) -> None:
        """Wait until every webhook call queued so far was made."""
        deadline = time.monotonic() + timeout
        while self._callbacks.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.01)


class FakeTwilio(_Fake):
    """Twilio's Messages API (POST /2010-04-01/Accounts/{sid}/Messages.json) and its signed webhooks."""

    name = "twilio"

    def __init__(self, folder, *, account_sid: str = "", auth_token: str = "", number: str = "+13125550100"):
        super().__init__(folder)
        self.account_sid = account_sid or "AC" + secrets.token_hex(16)
        self.auth_token = auth_token or secrets.token_hex(16)
        self.number = number
        self.validator = RequestValidator(self.auth_token)

    def _error(self, handler, status: int, code: int, message: str) -> None:
        handler._answer(
            status,
            {
                "code": code,
                "message": message,
                "more_info": f"https://www.twilio.com/docs/errors/{code}",
                "status": status,
            },
        )

    def post(self, handler: _Handler) -> None:
        path = urlsplit(handler.path).path
        body = handler._body()
        if path != f"/2010-04-01/Accounts/{self.account_sid}/Messages.json":
            return self._error(handler, 404, 20404, "The requested resource was not found")
        if handler._basic_auth() != (self.account_sid, self.auth_token):
            return self._error(handler, 401, 20003, "Authenticate")
        form = {key: values[0] for key, values in parse_qs(body.decode(), keep_blank_values=True).items()}
        to, text = form.get("To", ""), form.get("Body", "")
        sender = form.get("From") or form.get("MessagingServiceSid") or ""
        if not to or not text or not sender:
            return self._error(handler, 400, 21604, "A 'To' phone number, a 'From' and a 'Body' are required.")
        if to in self.busy:
            status = self.busy[to]
            return self._error(handler, status, 20429 if status == 429 else 20500, "Try again later")
        if to.startswith(REFUSED_PREFIX):
            return self._error(handler, 400, 21211, f"The 'To' number {to} is not a valid phone number.")
        sid = f"SM{next(self._count):08d}{secrets.token_hex(12)}"
        self._keep({"sid": sid, "from": sender, "to": to, "body": text})
        # Queued before the answer, sent after a delay: drain() sees it as soon as the client has its answer.
        callback = form.get("StatusCallback")
        if callback:
            failed = to.startswith(UNDELIVERED_PREFIX)
            params = {
                "AccountSid": self.account_sid,
                "MessageSid": sid,
                "SmsSid": sid,
                "MessageStatus": "undelivered" if failed else "delivered",
                "To": to,
                "From": form.get("From") or self.number,
                "ApiVersion": "2010-04-01",
            }
            if failed:
                params["ErrorCode"] = "30003"
            self._call(callback, params, self.signed_headers(callback, params))
        handler._answer(
            201,
            {
                "sid": sid,
                "account_sid": self.account_sid,
                "to": to,
                "from": form.get("From"),
                "messaging_service_sid": form.get("MessagingServiceSid"),
                "body": text,
                "status": "queued",
                "num_segments": "1",
                "direction": "outbound-api",
                "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
            },
        )

    def signed_headers(self, url: str, params: dict) -> dict:
        return {"X-Twilio-Signature": self.validator.compute_signature(url, params)}

    def text_in(self, webhook_url: str, *, sender: str, text: str, to: str = "", session=None) -> requests.Response:
        """A person texts our number: post Twilio's signed inbound webhook to the site, as Twilio would."""
        params = {
            "AccountSid": self.account_sid,
            "MessageSid": f"SM{secrets.token_hex(16)}",
            "From": sender,
            "To": to or self.number,
            "Body": text,
            "NumMedia": "0",
            "ApiVersion": "2010-04-01",
        }
        return (session or requests).post(
            webhook_url, data=params, headers=self.signed_headers(webhook_url, params), timeout=10
        )


def android_signature(secret: str, body: bytes, timestamp: str) -> str:
    """How SMS Gateway for Android signs a webhook: HMAC-SHA256 of the raw body then the timestamp, in hex."""
    return hmac.new(secret.encode(), body + timestamp.encode(), hashlib.sha256).hexdigest()


class FakeAndroidGateway(_Fake):
    """SMS Gateway for Android's message API (POST {base}/messages) and its signed webhooks."""

    name = "android"

    def __init__(self, folder, *, login: str = "asamblea", password: str = "", secret: str = "", webhook_url: str = ""):
        super().__init__(folder)
        self.login = login
        self.password = password or secrets.token_hex(8)
        self.secret = secret or secrets.token_hex(16)
        self.webhook_url = webhook_url

    @property
    def api_url(self) -> str:
        return self.url + "/3rdparty/v1"

    def post(self, handler: _Handler) -> None:
        body = handler._body()
        if urlsplit(handler.path).path != "/3rdparty/v1/messages":
            return handler._answer(404, {"message": "not found"})
        if handler._basic_auth() != (self.login, self.password):
            return handler._answer(401, {"message": "unauthorized"})
        try:
            message = json.loads(body)
            numbers = list(message["phoneNumbers"])
            text = message["textMessage"]["text"]
        except (ValueError, KeyError, TypeError):
            return handler._answer(400, {"message": "invalid request"})
        to = numbers[0] if numbers else ""
        if to in self.busy:
            return handler._answer(self.busy[to], {"message": "try again later"})
        if not to or to.startswith(REFUSED_PREFIX):
            return handler._answer(400, {"message": "invalid phone number"})
        ident = message.get("id") or secrets.token_urlsafe(12)
        self._keep({"id": ident, "to": to, "text": text})
        if self.webhook_url and message.get("withDeliveryReport", True):
            failed = to.startswith(UNDELIVERED_PREFIX)
            payload = {"messageId": ident, "phoneNumber": to, "simNumber": 1}
            payload.update({"reason": "RESULT_ERROR_GENERIC_FAILURE"} if failed else {})
            self._event("sms:failed" if failed else "sms:delivered", payload)
        handler._answer(
            202,
            {
                "id": ident,
                "state": "Pending",
                "recipients": [{"phoneNumber": to, "state": "Pending"}],
                "isHashed": False,
                "isEncrypted": False,
            },
        )

    def _event(self, event: str, payload: dict) -> None:
        body = json.dumps(
            {
                "deviceId": "fake-device",
                "event": event,
                "id": secrets.token_urlsafe(8),
                "payload": payload,
                "webhookId": "fake",
            }
        ).encode()
        self._call(self.webhook_url, body, self.signed_headers(body))

    def signed_headers(self, body: bytes, *, timestamp: str | None = None) -> dict:
        stamp = timestamp or str(int(time.time()))
        return {
            "Content-Type": "application/json",
            "X-Timestamp": stamp,
            "X-Signature": android_signature(self.secret, body, stamp),
        }

    def inject_inbound(self, sender: str, text: str) -> None:
        """A person texts the gateway phone: the phone posts sms:received to our webhook."""
        self._event(
            "sms:received",
            {
                "messageId": secrets.token_hex(4),
                "message": text,
                "phoneNumber": sender,
                "simNumber": 1,
                "receivedAt": time.strftime("%Y-%m-%dT%H:%M:%S.000+00:00", time.gmtime()),
            },
        )


class FakeSignal(_Fake):
    """signal-cli REST API: /v1/about, /v2/send, and /v1/receive/{number} (normal mode)."""

    name = "signal"

    def __init__(self, folder, *, number: str = "+13125550101"):
        super().__init__(folder)
        self.number = number
        self._inbox: list[dict] = []

    def get(self, handler: _Handler) -> None:
        path = urlsplit(handler.path).path
        if path == "/v1/about":
            return handler._answer(
                200,
                {
                    "versions": ["v1", "v2"],
                    "build": 2,
                    "mode": "normal",
                    "version": "0.92",
                    "capabilities": {"v2/send": ["quotes", "mentions"]},
                },
            )
        if path == f"/v1/receive/{self.number}":
            with self._lock:
                envelopes, self._inbox = self._inbox, []
            return handler._answer(200, envelopes)
        if path.startswith("/v1/receive/"):
            return handler._answer(400, {"error": "User is not registered."})
        handler._answer(404, {"error": "not found"})

    def post(self, handler: _Handler) -> None:
        body = handler._body()
        if urlsplit(handler.path).path == "/_fake/inbound":
            # Not signal-cli's: how `manage.py fake_text --signal` writes to our number from a fake phone.
            try:
                message = json.loads(body)
                self.inject_inbound(str(message["sender"]), str(message["text"]))
            except (ValueError, KeyError, TypeError):
                return handler._answer(400, {"error": "sender and text are needed"})
            return handler._answer(204)
        if urlsplit(handler.path).path != "/v2/send":
            return handler._answer(404, {"error": "not found"})
        try:
            message = json.loads(body)
            recipients, text, sender = list(message["recipients"]), message["message"], message["number"]
        except (ValueError, KeyError, TypeError):
            return handler._answer(400, {"error": "Couldn't process request - invalid request"})
        if sender != self.number:
            return handler._answer(400, {"error": "User is not registered."})
        to = recipients[0] if recipients else ""
        if to in self.busy:
            return handler._answer(self.busy[to], {"error": "Failed to send message: rate limit exceeded"})
        if not to or to.startswith(REFUSED_PREFIX):
            return handler._answer(400, {"error": f"Failed to send message: Unregistered user {to}"})
        stamp = str(int(time.time() * 1000) * 1000 + next(self._count) % 1000)
        self._keep({"timestamp": stamp, "to": to, "text": text})
        handler._answer(201, {"timestamp": stamp})

    def inject_inbound(self, sender: str, text: str) -> None:
        """A person writes our Signal number: the message waits until the site asks for it."""
        stamp = int(time.time() * 1000)
        envelope = {
            "envelope": {
                "source": sender,
                "sourceNumber": sender,
                "sourceUuid": secrets.token_hex(16),
                "sourceDevice": 1,
                "timestamp": stamp,
                "dataMessage": {"timestamp": stamp, "message": text, "expiresInSeconds": 0, "viewOnce": False},
            },
            "account": self.number,
        }
        with self._lock:
            self._inbox.append(envelope)


def fakes_start(folder: Path | str, *, site_url: str = "http://127.0.0.1:8000") -> dict[str, _Fake]:
    """Start the three fakes on free ports; their messages land in folder/sms and folder/signal."""
    folder = Path(folder)
    return {
        "twilio": FakeTwilio(folder / "sms").start(),
        "android": FakeAndroidGateway(folder / "sms", webhook_url=site_url + "/webhooks/android/").start(),
        "signal": FakeSignal(folder / "signal").start(),
    }


def fakes_env(fakes: dict[str, _Fake]) -> dict[str, str]:
    """The settings (as environment variables) that point the site's backends at these fakes."""
    env = {}
    if twilio := fakes.get("twilio"):
        env.update(
            TWILIO_ACCOUNT_SID=twilio.account_sid,
            TWILIO_AUTH_TOKEN=twilio.auth_token,
            TWILIO_FROM=twilio.number,
            TWILIO_API_BASE=twilio.url,
        )
    if android := fakes.get("android"):
        env.update(
            ANDROID_GATEWAY_URL=android.api_url,
            ANDROID_GATEWAY_LOGIN=android.login,
            ANDROID_GATEWAY_PASSWORD=android.password,
            ANDROID_GATEWAY_WEBHOOK_SECRET=android.secret,
        )
    if signal := fakes.get("signal"):
        env.update(SIGNAL_API_URL=signal.url, SIGNAL_NUMBER=signal.number)
    return env


def main() -> None:
    """Run the fakes in a process of their own (`python -m assembly.notify.fakes`) until stopped.

    Prints one line, "ready " and the settings that point a site at them as JSON, once they listen.
    """
    import argparse
    import signal

    parser = argparse.ArgumentParser(description=main.__doc__.splitlines()[0])
    parser.add_argument("--folder", required=True, help="where accepted messages are written (sms/, signal/)")
    parser.add_argument("--site-url", default="http://127.0.0.1:8000", help="the site whose webhooks they call")
    parser.add_argument("--no-callbacks", action="store_true", help="call no webhooks (no site is running)")
    args = parser.parse_args()
    fakes = fakes_start(args.folder, site_url=args.site_url)
    for fake in fakes.values():
        fake.callbacks = not args.no_callbacks
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda _signum, _frame: stopped.set())
    signal.signal(signal.SIGINT, lambda _signum, _frame: stopped.set())
    print("ready", json.dumps(fakes_env(fakes)), flush=True)
    while not stopped.is_set():
        time.sleep(0.2)
    for fake in fakes.values():
        fake.stop()


if __name__ == "__main__":
    main()
