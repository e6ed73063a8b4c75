"""How fast does a verified alert reach 1,000 role holders through Redis and a worker, against one SMTP loop?

Run by hand, never by the test suite:

    .venv/bin/python bench/alerts.py [--count 1000] [--concurrency 2] [--keep]

Everything runs on loopback in a scratch folder under var/bench/: a fresh SQLite file, a private Redis,
an SMTP sink in its own process (bench/smtpsink.py) and one `celery worker` on the alerts queue, with
DEBUG off as in production. It seeds an active plan with `count` members holding a role in one zone
(half reading English, half Spanish), then measures:

- baseline: the same alert emails, rendered beforehand, sent over one SMTP connection;
- alert: from calling the service that raises a verified alert (as the dispatcher's form does) until the
  sink has accepted the last of the `count` emails.

Targets: the alert under 5 seconds, and a ratio (baseline seconds / alert seconds) of at least 0.5.
The exit status is 1 when either is missed.
"""

import argparse
import os
import signal
import subprocess
import sys
import time
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
                User(email=f"holder{i}@bench.example", display_name=f"Holder {i}", language="es" if i % 2 else "en")
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


def render_baseline(plan, zone, dispatcher, count: int) -> tuple[list, float]:
    """Render the alert email for every holder, as the worker would, for a separate alert; not timed below."""
    from django.db import transaction
    from django.utils import timezone

    from assembly.defense.models import Alert, Claim
    from assembly.notify.models import Message
    from assembly.notify.services import render_email

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
    holders = Claim.objects.filter(role__plan=plan, role__zone=zone).values_list("membership_id", flat=True)
    started = time.perf_counter()
    emails = [
        render_email(Message(pk=index, kind="alert", recipient_key=f"membership:{pk}", object_id=alert.pk))
        for index, pk in enumerate(holders, start=1)
    ]
    elapsed = time.perf_counter() - started
    if len(emails) != count or any(email is None for email in emails):
        raise RuntimeError("some alert emails did not render; the seed does not match the message kind")
    return emails, elapsed


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


def wait_for_worker(worker: subprocess.Popen, scratch: Path) -> None:
    from assembly.celery import app

    deadline = time.monotonic() + 60
    while not app.control.ping(timeout=0.5):
        if worker.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the worker did not start; see {scratch / 'worker.log'}")


def raise_alert(sink: Sink, plan, zone, dispatcher, count: int) -> tuple[float, float, float]:
    """Raise a verified alert at t0; return the seconds the service took, to the first and to the last email."""
    from assembly.defense import alerts

    before = sink.accepted()
    started = time.perf_counter()
    # Each run raises a new alert in the same zone, as a dispatcher who ticked "raise another alert anyway".
    alerts.alert_raise(
        plan=plan, zone=zone, raised_by=dispatcher, verified=True, practice=False, another=True, **DETAILS
    )
    raised = time.perf_counter() - started
    while sink.accepted() == before:
        if time.perf_counter() - started > 60:
            raise RuntimeError("no alert email reached the sink")
        time.sleep(0.002)
    first = time.perf_counter() - started
    last = wait_for(sink, before + count, patience=120) - started
    return raised, first, last


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, help="role holders to alert (default 1000)")
    parser.add_argument("--concurrency", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder afterwards")
    args = parser.parse_args()

    sys.stdout.reconfigure(line_buffering=True)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    scratch = BASE_DIR / "var" / "bench" / f"alerts-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
    scratch.mkdir(parents=True)
    sink = redis = worker = None
    try:
        from assembly.common.catalogs import compile_catalogs
        from assembly.common.localredis import start_local_redis

        sink = Sink(scratch)
        redis_url, redis = start_local_redis(var_dir=scratch / "redis")
        os.environ.update(bench_env(scratch=scratch, redis_url=redis_url, smtp_port=sink.port, batch_size=None))
        env = {**os.environ}
        compile_catalogs([BASE_DIR / "locale"])
        subprocess.run([PYTHON, "manage.py", "migrate", "--verbosity", "0"], cwd=BASE_DIR, env=env, check=True)

        import django

        django.setup()
        from django.conf import settings
        from django.db import connections

        plan, zone, dispatcher = seed(args.count)
        emails, render_seconds = render_baseline(plan, zone, dispatcher, args.count)
        print(f"seeded:    {args.count} role holders in one zone (scratch: {scratch})")
        print(f"rendered:  {len(emails)} alert emails in this process in {render_seconds:.2f} s (timed in neither run)")
        connections.close_all()

        meter = CpuMeter({"sink": (sink.process.pid, True)}, me="sender")
        meter.start()
        base_seconds = baseline(sink, emails)
        base_cpu, base_others = meter.report(len(emails))
        del emails
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
            {"worker": (worker.pid, True), "sink": (sink.process.pid, True), "redis": (redis.pid, False)}, me="web"
        )
        meter.start()
        raised, first, seconds = raise_alert(sink, plan, zone, dispatcher, args.count)
        cpu, others = meter.report(args.count)
        ratio = base_seconds / seconds
        print(
            f"alert:     {args.count} emails from raising the alert to the last one accepted, via "
            f"redis->worker({args.concurrency})->smtp, in {seconds:.2f} s (target < {TARGET_SECONDS:g} s)"
        )
        print(
            f"baseline:  the same {args.count} emails, pre-rendered, over one SMTP connection in {base_seconds:.2f} s"
        )
        print(f"ratio:     {ratio:.2f} (baseline / alert; target >= {TARGET_RATIO})")
        print(
            f"details:   the service took {raised:.2f} s (rows written, batches queued on commit); "
            f"first email after {first:.2f} s; batch size {settings.NOTIFY_BATCH_SIZE}"
        )
        print(f"cpu:       alert:    {cpu}")
        print(f"cpu:       baseline: {base_cpu}")
        if max(others, base_others) > BUSY_MACHINE:
            print("warning:   other programs were busy on this machine: the figures above are low and noisy")
        return 0 if seconds < TARGET_SECONDS and ratio >= TARGET_RATIO else 1
    except KeyboardInterrupt:
        print("\ninterrupted; stopping everything this started", file=sys.stderr)
        return 130
    finally:
        stop(worker)
        if sink is not None:
            stop(sink.process)
        stop(redis, session=False)
        if not args.keep:
            import shutil

            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
