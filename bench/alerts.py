"""How fast does a verified alert reach 1,000 role holders by email and by SMS, against plain loops?

Run by hand, never by the test suite:

    .venv/bin/python bench/alerts.py [--count 1000] [--concurrency CORES] [--keep]

Everything runs on loopback in a scratch folder under var/bench/: a fresh SQLite file, a private Redis,
an SMTP sink in its own process (bench/smtpsink.py), the provider fakes in theirs (assembly/notify/fakes.py:
Twilio's Messages API among them), one `celery worker` on the alerts queue sending SMS through the real
TwilioBackend and the twilio library, and gunicorn for the webhooks, with DEBUG off as in production.
It seeds an active plan with `count` members holding a role in one zone (half reading English, half Spanish),
each with a phone number and both email and text chosen, then measures:

- baselines: the same alert emails, rendered beforehand, sent over one SMTP connection; and the same texts,
  rendered beforehand, sent one by one with one twilio Client to the same fake;
- alert: from calling the service that raises a verified alert (as the dispatcher's form does) until the
  sink has accepted the last of the `count` emails and the fake the last of the `count` texts;
- inbound: `count` replies texted to our number, posted to the Twilio inbound webhook signed as Twilio
  signs them (8 at a time, as a provider's burst), until the last TwiML answer came back; the apps' reader
  of texts answers them, or bench/inbound_wsgi.py's trivial one where no app registers a reader. The fakes
  call no status webhooks during the alert, since the worker would share the machine with them.

Targets: the alert under 5 seconds (both channels), ratios (baseline seconds / alert seconds) of at least 0.5
for each channel, and the inbound replies under 10 seconds. The exit status is 1 when one is missed.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.reminders import (  # noqa: E402
    BUSY_MACHINE,
    PYTHON,
    CpuMeter,
    Sink,
    bench_env,
    celery,
    stop,
    wait_for,
)

TARGET_SECONDS = 5.0
TARGET_RATIO = 0.5
TARGET_INBOUND_SECONDS = 10.0
# Distinct, valid, fictional numbers, clear of the fakes' refused and undelivered ranges (+1 312 555 018x, 019x).
FIRST_PHONE = 13125552000


class Providers:
    """The provider fakes in their own process, and how many texts the Twilio fake has accepted."""

    def __init__(self, scratch: Path) -> None:
        import requests

        self.log = open(scratch / "fakes.log", "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [PYTHON, "-m", "assembly.notify.fakes", "--folder", str(scratch / "providers"), "--no-callbacks"],
            cwd=BASE_DIR,
            stdout=subprocess.PIPE,
            stderr=self.log,
            start_new_session=True,
        )
        ready = self.process.stdout.readline().decode()
        if not ready.startswith("ready "):
            stop(self.process)
            raise RuntimeError(f"the provider fakes did not start; see {scratch / 'fakes.log'}")
        self.env = json.loads(ready[len("ready ") :])
        self.session = requests.Session()

    def accepted(self) -> int:
        return self.session.get(self.env["TWILIO_API_BASE"] + "/_fake/accepted", timeout=5).json()["accepted"]

    def wait_for(self, total: int, *, patience: float) -> float:
        deadline = time.perf_counter() + patience
        while (accepted := self.accepted()) < total:
            if time.perf_counter() > deadline:
                raise RuntimeError(f"the Twilio fake accepted {accepted} of {total} texts before giving up")
            time.sleep(0.01)
        return time.perf_counter()


def seed(count: int):
    """An active plan with one zone and `count` members holding a rapid-responder place in it."""
    from django.db import transaction

    from assembly.accounts.models import User
    from assembly.assemblies.models import Assembly, Membership, Zone
    from assembly.defense.models import Claim, DefenseRole, GamePlan, RoleKind

    with transaction.atomic():
        assembly = Assembly.objects.create(
            slug="bench", name_en="Bench Heights Assembly", name_es="Asamblea de Bench Heights"
        )
        zone = Zone.objects.create(assembly=assembly, name_en="Blocks 1-4", name_es="Cuadras 1-4")
        plan = GamePlan.objects.create(
            assembly=assembly,
            title_en="Home raid on our blocks",
            title_es="Redada en una casa de nuestras cuadras",
            status=GamePlan.Status.ACTIVE,
        )
        plan.zones.add(zone)
        kinds = {kind.key: kind for kind in RoleKind.objects.filter(assembly=assembly)}
        responders = DefenseRole.objects.create(plan=plan, kind=kinds["rapid-responder"], zone=zone, needed=count)
        dispatch = DefenseRole.objects.create(plan=plan, kind=kinds["dispatcher"], needed=1)
        users = User.objects.bulk_create(
            [
                User(
                    email=f"holder{i}@bench.example",
                    display_name=f"Holder {i}",
                    language="es" if i % 2 else "en",
                    phone=f"+{FIRST_PHONE + i}",
                    alerts_by_email=True,
                    alerts_by_sms=True,
                )
                for i in range(count + 1)
            ],
            batch_size=1000,
        )
        memberships = Membership.objects.bulk_create(
            [Membership(assembly=assembly, user=user) for user in users], batch_size=1000
        )
        dispatcher, holders = memberships[0], memberships[1:]
        # Dispatchers are facilitators.
        Membership.objects.filter(pk=dispatcher.pk).update(role=Membership.Role.FACILITATOR)
        dispatcher.role = Membership.Role.FACILITATOR
        Claim.objects.create(role=dispatch, membership=dispatcher)
        Claim.objects.bulk_create([Claim(role=responders, membership=m) for m in holders], batch_size=1000)
        DefenseRole.objects.filter(pk=responders.pk).update(filled=count)
        DefenseRole.objects.filter(pk=dispatch.pk).update(filled=1)
    return plan, zone, dispatcher


DETAILS = {
    "location_en": "Elm Street and 3rd",
    "location_es": "Calle Elm y la 3ra",
    "how_many": 6,
    "activity_en": "Knocking on doors of building 12",
    "activity_es": "Tocando puertas del edificio 12",
}


def render_baseline(plan, zone, dispatcher, count: int) -> tuple[list, list, float]:
    """Render the alert email and text for every holder, as the worker would, for a separate alert; not timed."""
    from django.db import transaction
    from django.utils import timezone

    from assembly.defense.models import Alert, Claim
    from assembly.notify.models import Message
    from assembly.notify.services import render_email, render_text

    with transaction.atomic():
        alert = Alert.objects.create(
            plan=plan,
            zone=zone,
            raised_by=dispatcher,
            status=Alert.Status.VERIFIED,
            practice=True,
            expires_at=timezone.now() + timedelta(days=1),
            **DETAILS,
        )
    holders = list(Claim.objects.filter(role__plan=plan, role__zone=zone).values_list("membership_id", flat=True))
    started = time.perf_counter()
    emails = [
        render_email(Message(pk=index, kind="alert", recipient_key=f"membership:{pk}", object_id=alert.pk))
        for index, pk in enumerate(holders, start=1)
    ]
    texts = [
        render_text(Message(pk=index, kind="alert_sms", recipient_key=f"membership:{pk}", object_id=alert.pk))
        for index, pk in enumerate(holders, start=1)
    ]
    elapsed = time.perf_counter() - started
    if len(emails) != count or any(email is None for email in emails):
        raise RuntimeError("some alert emails did not render; the seed does not match the message kind")
    if len(texts) != count or any(text is None for text in texts):
        raise RuntimeError("some alert texts did not render; is SMS_BACKEND set?")
    return emails, texts, elapsed


def baseline(sink: Sink, emails: list) -> float:
    from django.core.mail import get_connection

    before = sink.accepted()
    connection = get_connection("django.core.mail.backends.smtp.EmailBackend", fail_silently=False)
    started = time.perf_counter()
    connection.open()
    try:
        connection.send_messages(emails)
    finally:
        connection.close()
    return wait_for(sink, before + len(emails), patience=120) - started


def sms_baseline(providers: Providers, texts: list) -> float:
    """Send pre-rendered texts one by one with one twilio Client, as a plain script would, to the same fake."""
    from django.conf import settings

    from assembly.notify.providers import site_url
    from assembly.notify.providers.twilio import twilio_client

    client = twilio_client()
    callback = site_url("notify_twilio_status")
    before = providers.accepted()
    started = time.perf_counter()
    for to, body in texts:
        client.messages.create(to=to, from_=settings.TWILIO_FROM, body=body, status_callback=callback)
    return providers.wait_for(before + len(texts), patience=120) - started


def wait_for_worker(worker: subprocess.Popen, scratch: Path) -> None:
    from assembly.celery import app

    deadline = time.monotonic() + 60
    while not app.control.ping(timeout=0.5):
        if worker.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the worker did not start; see {scratch / 'worker.log'}")


def raise_alert(sink: Sink, providers: Providers, plan, zone, dispatcher, count: int) -> dict[str, float]:
    """Raise a verified alert at t0; return the seconds the service took, to the first message, and to the last
    email and the last text accepted."""
    from assembly.defense import alerts

    emails_before, texts_before = sink.accepted(), providers.accepted()
    started = time.perf_counter()
    # Each run raises a new alert in the same zone, as a dispatcher who ticked "raise another alert anyway".
    alerts.alert_raise(
        plan=plan, zone=zone, raised_by=dispatcher, verified=True, practice=False, another=True, **DETAILS
    )
    times = {"raised": time.perf_counter() - started}
    while "email" not in times or "sms" not in times:
        now = time.perf_counter() - started
        if now > 120:
            raise RuntimeError(f"the alert did not arrive: {times}")
        emails, texts = sink.accepted() - emails_before, providers.accepted() - texts_before
        if "first" not in times and emails + texts:
            times["first"] = now
        if "email" not in times and emails >= count:
            times["email"] = now
        if "sms" not in times and texts >= count:
            times["sms"] = now
        # Each look asks two other processes: more often would take CPU from the workers being measured.
        time.sleep(0.02)
    return times


def start_web(scratch: Path, port: int, env: dict) -> subprocess.Popen:
    """gunicorn for the webhooks, as in production (two workers of four threads each)."""
    import requests

    web = subprocess.Popen(
        [
            str(Path(PYTHON).with_name("gunicorn")),
            *("--config", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}"),
            *("--workers", "2", "--threads", "4", "--error-logfile", str(scratch / "web.log")),
            "bench.inbound_wsgi",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code < 500:
                return web
        except requests.RequestException:
            pass
        if web.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"gunicorn did not start; see {scratch / 'web.log'}")
        time.sleep(0.1)


def inbound(providers: Providers, site_url: str, count: int) -> tuple[float, int]:
    """Post `count` signed inbound texts, 8 at a time; return the seconds to the last answer and how many
    answers carried a reply."""
    import threading

    import requests

    from assembly.notify.fakes import FakeTwilio

    # Signs as the running fake does: same account, same token.
    twilio = FakeTwilio(
        BASE_DIR / "var",
        account_sid=providers.env["TWILIO_ACCOUNT_SID"],
        auth_token=providers.env["TWILIO_AUTH_TOKEN"],
        number=providers.env["TWILIO_FROM"],
    )
    url = site_url + "/webhooks/twilio/sms/"
    local = threading.local()

    def text(index: int) -> bool:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        response = twilio.text_in(url, sender=f"+{FIRST_PHONE + 1 + index}", text="1", session=local.session)
        answered = response.status_code == 200 and "<Message>" in response.text
        if not answered:
            print(f"inbound:   text {index} got {response.status_code}: {response.text[:200]!r}", file=sys.stderr)
        return answered

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=8) as pool:
        answered = sum(pool.map(text, range(count)))
    return time.perf_counter() - started, answered


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, help="role holders to alert (default 1000)")
    parser.add_argument(
        "--concurrency",
        type=int,
        default=os.cpu_count() or 2,
        help="worker processes (default: one per core, as the README's deployment runs them)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder afterwards")
    args = parser.parse_args()

    sys.stdout.reconfigure(line_buffering=True)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    scratch = BASE_DIR / "var" / "bench" / f"alerts-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
    scratch.mkdir(parents=True)
    sink = redis = worker = providers = web = None
    try:
        from assembly.common.catalogs import compile_catalogs
        from assembly.common.localredis import free_port, start_local_redis

        web_port = free_port()
        site_url = f"http://127.0.0.1:{web_port}"
        sink = Sink(scratch)
        providers = Providers(scratch)
        redis_url, redis = start_local_redis(var_dir=scratch / "redis")
        os.environ.update(bench_env(scratch=scratch, redis_url=redis_url, smtp_port=sink.port, batch_size=None))
        os.environ.update(
            providers.env, SITE_URL=site_url, SMS_BACKEND="assembly.notify.providers.twilio.TwilioBackend"
        )
        env = {**os.environ}
        compile_catalogs([BASE_DIR / "locale"])
        subprocess.run([PYTHON, "manage.py", "migrate", "--verbosity", "0"], cwd=BASE_DIR, env=env, check=True)

        import django

        django.setup()
        from django.conf import settings
        from django.db import connections

        plan, zone, dispatcher = seed(args.count)
        emails, texts, render_seconds = render_baseline(plan, zone, dispatcher, args.count)
        print(f"seeded:    {args.count} role holders in one zone, each by email and SMS (scratch: {scratch})")
        print(
            f"rendered:  {len(emails)} alert emails and {len(texts)} texts in this process in {render_seconds:.2f} s "
            "(timed in no run)"
        )
        connections.close_all()

        meter = CpuMeter({"sink": (sink.process.pid, True)}, me="sender")
        meter.start()
        base_seconds = baseline(sink, emails)
        base_cpu, base_others = meter.report(len(emails))
        meter = CpuMeter({"fakes": (providers.process.pid, True)}, me="sender")
        meter.start()
        sms_base_seconds = sms_baseline(providers, texts)
        sms_base_cpu, sms_base_others = meter.report(len(texts))
        del emails, texts
        connections.close_all()

        worker = celery(
            "worker",
            *("--hostname", f"bench-{os.getpid()}@%h", "--queues", settings.ALERTS_QUEUE),
            *("--concurrency", str(args.concurrency), "--without-gossip", "--without-mingle"),
            *("--logfile", str(scratch / "worker.log")),
            env=env,
        )
        wait_for_worker(worker, scratch)
        meter = CpuMeter(
            {
                "worker": (worker.pid, True),
                "sink": (sink.process.pid, True),
                "fakes": (providers.process.pid, True),
                "redis": (redis.pid, False),
            },
            me="web",
        )
        meter.start()
        times = raise_alert(sink, providers, plan, zone, dispatcher, args.count)
        cpu, others = meter.report(2 * args.count)
        seconds = max(times["email"], times["sms"])
        ratio, sms_ratio = base_seconds / times["email"], sms_base_seconds / times["sms"]
        stop(worker)
        worker = None

        from assembly.notify import registry

        handler = "the apps' own" if registry.inbound_handlers() else "a trivial one (no app reads texts yet)"
        web = start_web(scratch, web_port, env)
        meter = CpuMeter({"web": (web.pid, True), "redis": (redis.pid, False)}, me="poster")
        meter.start()
        inbound_seconds, answered = inbound(providers, site_url, args.count)
        inbound_cpu, inbound_others = meter.report(args.count)

        print(
            f"alert:     {args.count} emails and {args.count} texts from raising the alert to the last one accepted, "
            f"via redis->worker({args.concurrency})->smtp and ->twilio, in {seconds:.2f} s "
            f"(target < {TARGET_SECONDS:g} s): last email {times['email']:.2f} s, last text {times['sms']:.2f} s"
        )
        print(
            f"baseline:  the same {args.count} emails, pre-rendered, over one SMTP connection in {base_seconds:.2f} s"
        )
        print(
            f"baseline:  the same {args.count} texts, pre-rendered, one twilio Client in a loop in "
            f"{sms_base_seconds:.2f} s"
        )
        print(f"ratio:     email {ratio:.2f}, SMS {sms_ratio:.2f} (baseline / alert; target >= {TARGET_RATIO})")
        print(
            f"inbound:   {answered} of {args.count} signed texts answered by the Twilio webhook (gunicorn 2x4) in "
            f"{inbound_seconds:.2f} s (target < {TARGET_INBOUND_SECONDS:g} s); reader of texts: {handler}"
        )
        print(
            f"details:   the service took {times['raised']:.2f} s (rows written, batches queued on commit); "
            f"first message after {times['first']:.2f} s; batch size {settings.NOTIFY_BATCH_SIZE}"
        )
        print(f"cpu:       alert (per message, emails and texts): {cpu}")
        print(f"cpu:       email baseline: {base_cpu}")
        print(f"cpu:       SMS baseline:   {sms_base_cpu}")
        print(f"cpu:       inbound:        {inbound_cpu}")
        if max(others, base_others, sms_base_others, inbound_others) > BUSY_MACHINE:
            print("warning:   other programs were busy on this machine: the figures above are low and noisy")
        met = (
            seconds < TARGET_SECONDS
            and min(ratio, sms_ratio) >= TARGET_RATIO
            and inbound_seconds < TARGET_INBOUND_SECONDS
            and answered == args.count
        )
        return 0 if met else 1
    except KeyboardInterrupt:
        print("\ninterrupted; stopping everything this started", file=sys.stderr)
        return 130
    finally:
        stop(worker)
        stop(web)
        if sink is not None:
            stop(sink.process)
        if providers is not None:
            stop(providers.process)
        stop(redis, session=False)
        if not args.keep:
            import shutil

            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
