"""What do faults cost the outbox: how long until every message is out, how many duplicates, how many lost?

Run by hand, never by the test suite:

    .venv/bin/python bench/faults.py [--reminders 2000] [--holders 200] [--quick] [--keep]

Everything runs on loopback in a scratch folder under var/bench/: a fresh SQLite file (or the PostgreSQL
database DATABASE_URL names, which it empties: point it at a scratch one), a private Redis, an SMTP sink in its
own process (bench/smtpsink.py) that can answer slowly and tells duplicates apart by Message-ID and by
recipient, one `celery beat` with the real schedule and one `celery worker` (concurrency 1, both queues),
restarted after each fault as a container's restart policy would. The table of issue 10, one row each:

- kill-fanout: the worker SIGKILLed mid-batch, about a quarter of the way through `--reminders` due reminders;
- kill-alert: the worker SIGKILLed mid-batch, a quarter of the way through an alert to `--holders` role holders;
- docker-stop: SIGTERM, then SIGKILL 10 s later, while a slow relay (15 s a message) holds the message in hand;
- slow-batch: a relay slow enough (0.5 s a message) that one batch outlasts its lease, swept every second;
- db-cut: the worker's database connections terminated five times during a fan-out (PostgreSQL only);
- redis-lost-alert: an alert's queued task deleted from Redis before any worker took it.

For each: seconds from the fault until the last message was out ("recovery"), duplicates (and how many of them
carried a new Message-ID, which mail clients cannot fold), and messages lost; and a ratio against the same
workload sent without a fault in this run (baseline seconds / faulted seconds, so 1.0 means the fault cost
nothing). --quick shrinks the leases and sweep intervals (in seconds: leases 10 and 5, sweeps 10 and 2), for a
trial run. The exit status is 1 when anything was lost, a duplicate carried a new Message-ID, or a recovery
took longer than promised (30 s for alerts, 120 s for the rest, with the default settings).
"""

import argparse
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.reminders import PYTHON, Sink, bench_env, celery, stop  # noqa: E402

QUICK = {
    "NOTIFY_LEASE": "10",
    "NOTIFY_ALERT_LEASE": "5",
    "NOTIFY_SWEEP_EVERY": "10",
    "NOTIFY_ALERT_SWEEP_EVERY": "2",
    "NOTIFY_ALERT_REQUEUE_AFTER": "2",
}
PROMISED = {"alert": 30.0, "reminder": 120.0}
PATIENCE = 600.0


@dataclass
class Row:
    fault: str
    workload: str
    messages: int
    recovery: float
    total: float
    duplicates: int
    new_ids: int
    lost: int
    baseline: float | None = None
    note: str = ""


class Bench:
    def __init__(self, *, scratch: Path, sink: Sink, env: dict[str, str]) -> None:
        self.scratch = scratch
        self.sink = sink
        self.env = env
        self.worker: subprocess.Popen | None = None
        self.round = 0

    # The sink's control channel speaks one line at a time.
    def sink_say(self, line: str) -> str:
        self.sink.control.sendall(line.encode() + b"\n")
        return self.sink.replies.readline().decode().strip()

    def start_worker(self, **env: str) -> None:
        from assembly.celery import app

        self.round += 1
        self.worker = celery(
            "worker",
            *("--hostname", f"faults-{os.getpid()}-{self.round}@%h", "--queues", "alerts,celery"),
            *("--concurrency", "1", "--without-gossip", "--without-mingle"),
            *("--logfile", str(self.scratch / "worker.log")),
            env={**self.env, **env},
        )
        deadline = time.monotonic() + 60
        while not app.control.ping(timeout=0.5, destination=[f"faults-{os.getpid()}-{self.round}@{os.uname()[1]}"]):
            if self.worker.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the worker did not start; see {self.scratch / 'worker.log'}")

    def kill_worker(self) -> None:
        """SIGKILL the worker and its pool at once, as a crash, the OOM killer or docker's 10 s deadline does."""
        if self.worker is not None:
            stop_group(self.worker, signal.SIGKILL)
            self.worker.wait()
            self.worker = None

    def fresh(self) -> None:
        """No rows, no queued tasks and a relay at full speed before each measurement."""
        from assembly.notify.models import Message

        Message.objects.all().delete()
        redis_client().delete("alerts", "celery")
        self.sink_say("delay 0")
        self.sink_say("reset")

    def counts(self) -> tuple[int, int, int]:
        total, ids, recipients = (int(value) for value in self.sink_say("ids").split())
        return total, ids, recipients

    def accepted(self) -> int:
        return self.counts()[0]

    def wait_accepted(self, count: int) -> None:
        deadline = time.monotonic() + PATIENCE
        while self.accepted() < count:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the sink accepted {self.accepted()} of {count} before giving up")
            time.sleep(0.01)

    def wait_all_sent(self, expected: int, *, sweep_every: float | None = None) -> float:
        """Wait until every row is sent and the sink has them all; return when (perf_counter)."""
        from django.db import close_old_connections

        from assembly.notify.models import Message
        from assembly.notify.services import outbox_sweep

        deadline = time.monotonic() + PATIENCE
        swept = 0.0
        while True:
            close_old_connections()
            if sweep_every is not None and time.monotonic() - swept >= sweep_every:
                outbox_sweep()
                swept = time.monotonic()
            if not Message.objects.exclude(state=Message.State.SENT).exists():
                _total, _ids, recipients = self.counts()
                if recipients >= expected:
                    return time.perf_counter()
            if time.monotonic() > deadline:
                raise RuntimeError("gave up waiting for every message to go out")
            time.sleep(0.05)

    def result(self, *, fault: str, workload: str, expected: int, started: float, fault_at: float, ended: float):
        from assembly.notify.models import Message

        total, ids, recipients = self.counts()
        failed = Message.objects.filter(state=Message.State.FAILED).count()
        return Row(
            fault=fault,
            workload=workload,
            messages=expected,
            recovery=ended - fault_at,
            total=ended - started,
            duplicates=total - recipients,
            # A repeat with the same Message-ID adds a message but no Message-ID; one with a new one adds both.
            new_ids=ids - recipients,
            lost=max(expected - recipients, 0) + failed,
        )


def redis_client():
    import redis

    return redis.Redis.from_url(os.environ["REDIS_URL"])


def stop_group(process: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signum)


# Workloads: rows due now, queued as the beat's sweep or the dispatcher's form would queue them.


def seed(reminders: int, holders: int):
    from assembly.assemblies.models import Assembly
    from assembly.notify.models import Message
    from bench import alerts as alert_bench
    from bench import reminders as reminder_bench

    reminder_bench.seed(reminders)
    # Both seeds name their assembly "bench".
    Assembly.objects.filter(slug="bench").update(slug="bench-meeting")
    Message.objects.all().delete()
    return alert_bench.seed(holders)


def queue_reminders(count: int, occasion: str) -> None:
    """`count` due reminders for the seeded meeting's first people, then a sweep as the beat's."""
    from django.utils import timezone

    from assembly.meetings.models import Registration
    from assembly.notify.models import Message
    from assembly.notify.services import outbox_sweep

    registrations = Registration.objects.order_by("id").values_list("id", "meeting_id")[:count]
    now = timezone.now()
    Message.objects.bulk_create(
        [
            Message(
                kind="meeting_reminder",
                recipient_key=f"registration:{pk}",
                object_id=meeting,
                occasion=occasion,
                due_at=now,
            )
            for pk, meeting in registrations
        ],
        batch_size=1000,
    )
    outbox_sweep()


def raise_alert(plan, zone, dispatcher) -> None:
    from assembly.defense import alerts
    from bench.alerts import DETAILS

    alerts.alert_raise(
        plan=plan, zone=zone, raised_by=dispatcher, verified=True, practice=False, another=True, **DETAILS
    )


# The rows of the table.


def clean(bench: Bench, workload, expected: int) -> float:
    bench.fresh()
    started = time.perf_counter()
    workload()
    return bench.wait_all_sent(expected) - started


def kill_during(bench: Bench, fault: str, name: str, workload, expected: int) -> Row:
    from django.conf import settings

    bench.fresh()
    started = time.perf_counter()
    workload()
    # Mid-batch, about a quarter of the way, so the dead worker holds claimed rows.
    bench.wait_accepted(expected // 4 + settings.NOTIFY_BATCH_SIZE // 4)
    fault_at = time.perf_counter()
    bench.kill_worker()
    bench.start_worker()
    ended = bench.wait_all_sent(expected)
    return bench.result(fault=fault, workload=name, expected=expected, started=started, fault_at=fault_at, ended=ended)


def docker_stop(bench: Bench, count: int) -> Row:
    """SIGTERM while a slow relay holds the message in hand, SIGKILL 10 s later, then a new worker.

    The relay takes 20 s over that message, and the worker waits up to 60 s for it (EMAIL_TIMEOUT), so the
    SIGKILL finds it in hand: the relay then accepts a message whose sender is gone, the one duplicate left.
    """
    bench.kill_worker()
    bench.start_worker(EMAIL_TIMEOUT="60")
    bench.fresh()
    started = time.perf_counter()
    queue_reminders(count, "docker-stop")
    bench.wait_accepted(5)
    bench.sink_say("delay 20")
    time.sleep(0.5)  # the next message is now in hand, and slow
    fault_at = time.perf_counter()
    # To the worker's main process only, as docker stop does to a container's first process.
    bench.worker.send_signal(signal.SIGTERM)
    try:
        bench.worker.wait(timeout=10)
        note = "stopped by itself before the SIGKILL"
    except subprocess.TimeoutExpired:
        note = "SIGKILLed after 10 s"
    bench.kill_worker()
    bench.sink_say("delay 0")
    bench.start_worker()
    ended = bench.wait_all_sent(count)
    row = bench.result(
        fault="docker-stop",
        workload=f"{count} reminders",
        expected=count,
        started=started,
        fault_at=fault_at,
        ended=ended,
    )
    row.note = note
    return row


def slow_batch(bench: Bench, count: int, delay: float) -> Row:
    """One batch of `count` through a relay `delay` s a message: longer than the lease; swept every second."""
    bench.fresh()
    bench.sink_say(f"delay {delay}")
    started = time.perf_counter()
    queue_reminders(count, "slow-batch")
    ended = bench.wait_all_sent(count, sweep_every=1.0)
    row = bench.result(
        fault="slow-batch",
        workload=f"{count} reminders at {delay:g} s each",
        expected=count,
        started=started,
        fault_at=started,
        ended=ended,
    )
    bench.sink_say("delay 0")
    return row


def db_cut(bench: Bench, count: int) -> Row | None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    bench.fresh()
    started = time.perf_counter()
    queue_reminders(count, "db-cut")
    bench.wait_accepted(count // 10)
    fault_at = time.perf_counter()

    def cut() -> None:
        from django.db import connection as own

        try:
            for _cut in range(5):
                with own.cursor() as cursor:
                    cursor.execute(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid() AND pid <> %s",
                        [main_backend],
                    )
                time.sleep(1)
        finally:
            own.close()

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        [main_backend] = cursor.fetchone()
    cutter = threading.Thread(target=cut)
    cutter.start()
    cutter.join()
    ended = bench.wait_all_sent(count)
    return bench.result(
        fault="db-cut", workload=f"{count} reminders", expected=count, started=started, fault_at=fault_at, ended=ended
    )


def redis_lost_alert(bench: Bench, plan, zone, dispatcher, holders: int) -> Row:
    """An alert's queued tasks deleted from Redis before any worker took them: the alerts' sweep queues them again.

    No worker runs while the alert is raised (a worker listening can take a task before it can be deleted), so
    the figure includes a worker's start, a few seconds, as after a Redis restart that lost its data.
    """
    bench.fresh()
    bench.kill_worker()
    started = time.perf_counter()
    raise_alert(plan, zone, dispatcher)
    lost = redis_client().delete("alerts")
    bench.start_worker()
    ended = bench.wait_all_sent(holders)
    row = bench.result(
        fault="redis-lost-alert",
        workload=f"alert to {holders}",
        expected=holders,
        started=started,
        fault_at=started,
        ended=ended,
    )
    row.note = "from raising it, with a worker's start" if lost else "the task was not lost: nothing measured"
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reminders", type=int, default=2000, help="reminders in a fan-out (default 2000)")
    parser.add_argument("--holders", type=int, default=200, help="role holders an alert reaches (default 200)")
    parser.add_argument("--quick", action="store_true", help="shrink leases and sweeps for a trial run")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder afterwards")
    args = parser.parse_args()

    sys.stdout.reconfigure(line_buffering=True)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    scratch = BASE_DIR / "var" / "bench" / f"faults-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
    scratch.mkdir(parents=True)
    sink = redis = beat = None
    bench = None
    succeeded = False
    try:
        from assembly.common.catalogs import compile_catalogs
        from assembly.common.localredis import start_local_redis

        sink = Sink(scratch)
        redis_url, redis = start_local_redis(var_dir=scratch / "redis")
        database_url = os.environ.get("DATABASE_URL", "")
        os.environ.update(bench_env(scratch=scratch, redis_url=redis_url, smtp_port=sink.port, batch_size=None))
        if database_url.startswith("postgres"):
            os.environ["DATABASE_URL"] = database_url
        if args.quick:
            os.environ.update(QUICK)
        env = {**os.environ}
        compile_catalogs([BASE_DIR / "locale"])
        subprocess.run([PYTHON, "manage.py", "migrate", "--verbosity", "0"], cwd=BASE_DIR, env=env, check=True)
        # A PostgreSQL database named by DATABASE_URL starts empty too.
        subprocess.run(
            [PYTHON, "manage.py", "flush", "--noinput", "--verbosity", "0"], cwd=BASE_DIR, env=env, check=True
        )

        import django

        django.setup()
        from django.conf import settings

        plan, zone, dispatcher = seed(args.reminders, args.holders)
        print(
            f"settings:  leases {settings.NOTIFY_ALERT_LEASE} s (alerts) and {settings.NOTIFY_LEASE} s (the rest); "
            f"sweeps every {settings.NOTIFY_ALERT_SWEEP_EVERY} s and {settings.NOTIFY_SWEEP_EVERY} s; "
            f"batch size {settings.NOTIFY_BATCH_SIZE}; database {django.db.connection.vendor} (scratch: {scratch})"
        )
        bench = Bench(scratch=scratch, sink=sink, env=env)
        beat = celery(
            "beat",
            *("--schedule", str(scratch / "celerybeat-schedule"), "--pidfile", str(scratch / "celerybeat.pid")),
            *("--logfile", str(scratch / "beat.log")),
            env=env,
        )
        bench.start_worker()

        reminders, holders = args.reminders, args.holders
        n = 0

        def fanout() -> None:
            nonlocal n
            n += 1
            queue_reminders(reminders, f"fanout-{n}")

        def alert() -> None:
            raise_alert(plan, zone, dispatcher)

        baselines = {
            "fanout": clean(bench, fanout, reminders),
            "alert": clean(bench, alert, holders),
            "small": clean(bench, lambda: queue_reminders(300, "small"), 300),
        }
        print(
            f"baseline:  no fault: {reminders} reminders in {baselines['fanout']:.1f} s, an alert to {holders} "
            f"in {baselines['alert']:.1f} s, 300 reminders in {baselines['small']:.1f} s"
        )
        rows = []
        row = kill_during(bench, "kill-fanout", f"{reminders} reminders", fanout, reminders)
        row.baseline = baselines["fanout"]
        rows.append(row)
        row = kill_during(bench, "kill-alert", f"alert to {holders}", alert, holders)
        row.baseline = baselines["alert"]
        rows.append(row)
        row = docker_stop(bench, 300)
        row.baseline = baselines["small"]
        rows.append(row)
        lease = settings.NOTIFY_LEASE
        delay = 0.5
        count = int(lease / delay * 1.3) + 1
        row = slow_batch(bench, min(count, settings.NOTIFY_BATCH_SIZE), delay)
        row.baseline = row.messages * delay
        row.note = f"baseline: the relay's own time; one batch, lease {lease} s"
        rows.append(row)
        row = db_cut(bench, reminders)
        if row is not None:
            row.baseline = baselines["fanout"]
            rows.append(row)
        else:
            print("db-cut:    skipped: DATABASE_URL does not name PostgreSQL")
        row = redis_lost_alert(bench, plan, zone, dispatcher, holders)
        row.baseline = baselines["alert"]
        rows.append(row)

        print()
        print(
            f"{'fault':17s} {'workload':32s} {'recovery s':>10s} {'total s':>8s} {'dups':>5s} {'new id':>6s} "
            f"{'lost':>5s} {'ratio':>6s}  note"
        )
        bad = False
        for row in rows:
            ratio = row.baseline / row.total if row.total else 1.0
            print(
                f"{row.fault:17s} {row.workload:32s} {row.recovery:10.1f} {row.total:8.1f} {row.duplicates:5d} "
                f"{row.new_ids:6d} {row.lost:5d} {ratio:6.2f}  {row.note}"
            )
            promised = PROMISED["alert" if "alert" in row.fault else "reminder"]
            late = not args.quick and row.fault.startswith(("kill", "docker")) and row.recovery > promised
            bad = bad or row.lost > 0 or row.new_ids > 0 or late
        print(
            "recovery: seconds from the fault to the last message out (slow-batch: the whole batch); "
            "ratio: baseline / total seconds"
        )
        succeeded = True
        return 1 if bad else 0
    except KeyboardInterrupt:
        print("\ninterrupted; stopping everything this started", file=sys.stderr)
        return 130
    finally:
        if bench is not None and bench.worker is not None:
            stop(bench.worker)
        stop(beat)
        stop(redis, session=False)
        if sink is not None:
            sink.close()
            stop(sink.process)
        if succeeded and not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
        else:
            print(f"logs and database kept in {scratch}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
