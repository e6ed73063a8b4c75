"""How fast do due reminders leave through beat -> Redis -> worker -> SMTP, against one plain SMTP loop?

Run by hand, never by the test suite:

    .venv/bin/python bench/reminders.py [--count 10000] [--concurrency 2] [--batch-size N] [--profile] [--keep]

Everything runs on loopback in a scratch folder under var/bench/: a fresh SQLite file, a private Redis,
an SMTP sink in its own process (bench/smtpsink.py), one `celery beat` and one `celery worker`, with
DEBUG off as in production. It seeds one published meeting with `count` confirmed registrations and one
due "meeting_reminder" per registration, then measures:

- baseline: the same messages, rendered beforehand, sent over one SMTP connection: the ceiling;
- reminders: from the first sweep until the sink has accepted every message and every row is "sent".

Beat sweeps every 60 s and its first sweep comes a full minute after it starts, so at t0 this script
sends `assembly.notify.sweep` to Redis itself, as beat's own send_task would; beat runs all the same.

Wall-clock rates depend on what else the machine runs, so each run also reports the CPU time each
process spent per message (Linux /proc) and how busy other programs kept the CPUs meanwhile.
--profile adds a cProfile of one send_batch, run in this process once the worker has stopped.
The exit status is 1 when the ratio misses its target.
"""

import argparse
import contextlib
import cProfile
import os
import pstats
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

PYTHON = sys.executable
CELERY = str(Path(PYTHON).with_name("celery"))
KIND = "meeting_reminder"
TARGET_RATIO = 0.5
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# Other programs busier than this (in CPUs) make the wall-clock figures unreliable.
BUSY_MACHINE = 0.25


class Sink:
    """The SMTP sink process and a line-based channel to ask it how many messages it accepted."""

    def __init__(self, scratch: Path) -> None:
        self.log = open(scratch / "smtpsink.log", "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [PYTHON, "-m", "bench.smtpsink"],
            cwd=BASE_DIR,
            stdout=subprocess.PIPE,
            stderr=self.log,
            start_new_session=True,
        )
        ready = self.process.stdout.readline().split()
        if len(ready) != 3 or ready[0] != b"ready":
            stop(self.process)
            self.log.close()
            raise RuntimeError(f"the SMTP sink did not start; see {scratch / 'smtpsink.log'}")
        self.port, control_port = int(ready[1]), int(ready[2])
        self.control = socket.create_connection(("127.0.0.1", control_port))
        self.replies = self.control.makefile("rb")

    def counts(self) -> tuple[int, int]:
        """Messages accepted and connections opened so far."""
        self.control.sendall(b"count\n")
        messages, connections = self.replies.readline().split()
        return int(messages), int(connections)

    def accepted(self) -> int:
        return self.counts()[0]

    def close(self) -> None:
        self.replies.close()
        self.control.close()
        self.log.close()


def stop(process: subprocess.Popen | None, *, session: bool = True, patience: float = 20) -> None:
    """Stop a process this script started and, when it leads its own session, what it left there (a pool)."""
    if process is None:
        return
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=patience)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if session:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)


def bench_env(*, scratch: Path, redis_url: str, smtp_port: int, batch_size: int | None) -> dict[str, str]:
    """A production-like environment (DEBUG off) pointed at this run's database, Redis and sink."""
    env = {
        "DJANGO_SETTINGS_MODULE": "assembly.settings",
        "SECRET_KEY": "bench-only-secret-key-" + "x" * 40,
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "STATIC_MANIFEST": "false",
        "VAR_DIR": str(scratch),
        "DATABASE_URL": f"sqlite:///{scratch / 'bench.sqlite3'}",
        "REDIS_URL": redis_url,
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "EMAIL_HOST_USER": "",
        "EMAIL_HOST_PASSWORD": "",
        "EMAIL_USE_TLS": "false",
        "EMAIL_USE_SSL": "false",
        "SMS_BACKEND": "assembly.notify.channels.FileBackend",
        "PYTHONUNBUFFERED": "1",
    }
    if batch_size is not None:
        env["NOTIFY_BATCH_SIZE"] = str(batch_size)
    return env


def seed(count: int) -> int:
    """One assembly, one published meeting in an hour, `count` people signed up, each with a due reminder."""
    from django.db import transaction
    from django.utils import timezone

    from assembly.accounts.models import User
    from assembly.assemblies.models import Assembly
    from assembly.meetings.models import Meeting, Registration
    from assembly.notify.models import Message

    now = timezone.now()
    with transaction.atomic():
        assembly = Assembly.objects.create(
            slug="bench",
            name_en="Bench Heights Neighborhood Assembly",
            name_es="Asamblea Vecinal de Bench Heights",
            area_en="Bench Heights",
            area_es="Bench Heights",
            time_zone="America/Chicago",
        )
        meeting = Meeting.objects.create(
            assembly=assembly,
            title_en="Monthly assembly",
            title_es="Asamblea mensual",
            description_en="Rent, schools and the rapid-response network.",
            description_es="Alquileres, escuelas y la red de respuesta rápida.",
            place_name_en="Community center",
            place_name_es="Centro comunitario",
            address="100 Example Street",
            starts_at=now + timedelta(hours=1),
            ends_at=now + timedelta(hours=3),
            status=Meeting.Status.PUBLISHED,
            seats_taken=count,
        )
        # Half in each language, so both catalogs are used as they would be.
        users = User.objects.bulk_create(
            [
                User(
                    email=f"neighbor{i}@bench.example",
                    display_name=f"Neighbor {i}",
                    language="es" if i % 2 else "en",
                    password="!",
                )
                for i in range(count)
            ],
            batch_size=1000,
        )
        registrations = Registration.objects.bulk_create(
            [
                Registration(
                    meeting=meeting,
                    user=user,
                    language=user.language,
                    status=Registration.Status.CONFIRMED,
                    queued_at=now,
                )
                for user in users
            ],
            batch_size=1000,
        )
        minutes = 120
        stamp = meeting.starts_at.astimezone(UTC).strftime("%Y%m%dT%H%MZ")
        Message.objects.bulk_create(
            [
                Message(
                    kind=KIND,
                    recipient_key=f"registration:{registration.pk}",
                    object_id=meeting.pk,
                    occasion=f"{minutes}m@{stamp}",
                    due_at=meeting.starts_at - timedelta(minutes=minutes),
                )
                for registration in registrations
            ],
            batch_size=1000,
        )
    return Message.objects.filter(kind=KIND, state=Message.State.PENDING, due_at__lte=timezone.now()).count()


def render_all() -> tuple[list, float]:
    """Render every reminder as the worker would; return the messages and the seconds it took."""
    from assembly.notify.models import Message
    from assembly.notify.services import render_email

    started = time.perf_counter()
    emails = [render_email(message) for message in Message.objects.filter(kind=KIND).order_by("id")]
    elapsed = time.perf_counter() - started
    if any(email is None for email in emails):
        raise RuntimeError("some reminders did not render; the seed data does not match the message kind")
    return emails, elapsed


def wait_for(sink: Sink, total: int, *, patience: float) -> float:
    """Wait until the sink has accepted `total` messages in all; return when it did (perf_counter)."""
    deadline = time.perf_counter() + patience
    while (accepted := sink.accepted()) < total:
        if time.perf_counter() > deadline:
            raise RuntimeError(f"the sink accepted {accepted} of {total} messages before giving up")
        time.sleep(0.01)
    return time.perf_counter()


def baseline(sink: Sink, emails: list) -> float:
    """Send pre-rendered messages over one SMTP connection; return the seconds until the sink has them all."""
    from django.core.mail import get_connection

    before = sink.accepted()
    connection = get_connection("django.core.mail.backends.smtp.EmailBackend", fail_silently=False)
    started = time.perf_counter()
    connection.open()
    try:
        sent = connection.send_messages(emails)
    finally:
        connection.close()
    if sent != len(emails):
        raise RuntimeError(f"the baseline sent {sent} of {len(emails)} messages")
    return wait_for(sink, before + len(emails), patience=60) - started


def celery(command: str, *options: str, env: dict) -> subprocess.Popen:
    """Start `celery -A assembly <command>` in its own session, so it can be stopped with what it forks."""
    return subprocess.Popen(
        [CELERY, "-A", "assembly", command, "--loglevel", "INFO", *options],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def wait_until_running(*, worker: subprocess.Popen, beat: subprocess.Popen, scratch: Path) -> None:
    from assembly.celery import app

    deadline = time.monotonic() + 60
    while not app.control.ping(timeout=0.5):
        if worker.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the worker did not start; see {scratch / 'worker.log'}")
    beat_log = scratch / "beat.log"
    while b"beat: Starting" not in (beat_log.read_bytes() if beat_log.exists() else b""):
        if beat.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"beat did not start; see {beat_log}")
        time.sleep(0.1)


def machine_cpu_seconds() -> float:
    """CPU time all CPUs spent busy since boot."""
    # user nice system idle iowait irq softirq steal
    ticks = [int(value) for value in Path("/proc/stat").read_text().split()[1:9]]
    return (sum(ticks) - ticks[3] - ticks[4]) / CLOCK_TICKS


def process_cpu_seconds(pid: int, *, session: bool) -> float:
    """CPU time of one process, or with session=True of every process in the session it leads."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(stat.parent.name) == pid or (session and int(fields[3]) == pid):
            ticks += int(fields[11]) + int(fields[12])
    return ticks / CLOCK_TICKS


class CpuMeter:
    """CPU time the named processes, this script and the whole machine spend between start() and report()."""

    def __init__(self, processes: dict[str, tuple[int, bool]], *, me: str) -> None:
        self.processes = processes
        self.me = me

    def _sample(self) -> dict[str, float]:
        sample = {name: process_cpu_seconds(pid, session=session) for name, (pid, session) in self.processes.items()}
        sample[self.me] = time.process_time()
        sample["machine"] = machine_cpu_seconds()
        return sample

    def start(self) -> None:
        self.started, self.first = time.perf_counter(), self._sample()

    def report(self, count: int) -> tuple[str, float]:
        """A line of milliseconds per message for each process, and how many CPUs other programs kept busy."""
        wall = time.perf_counter() - self.started
        used = {name: value - self.first[name] for name, value in self._sample().items()}
        machine = used.pop("machine")
        others = max(machine - sum(used.values()), 0) / wall
        parts = ", ".join(f"{name} {seconds * 1000 / count:.1f}" for name, seconds in used.items())
        return f"{parts} ms/msg; other programs kept {others:.1f} of {os.cpu_count()} CPUs busy", others


def pipeline(sink: Sink, count: int) -> tuple[float, float]:
    """Trigger the first sweep at t0; return the seconds to the first message and to the last row sent."""
    from django.db import connection
    from django.db.models import Count

    from assembly.celery import app
    from assembly.notify.models import Message

    before = sink.accepted()
    started = time.perf_counter()
    deadline = started + max(300.0, count / 20)
    app.send_task("assembly.notify.sweep")
    while sink.accepted() == before:
        if time.perf_counter() > deadline:
            raise RuntimeError("no message reached the sink")
        time.sleep(0.005)
    first = time.perf_counter() - started
    wait_for(sink, before + count, patience=deadline - time.perf_counter())
    # Each row is marked right after the server's answer, so the last UPDATE trails the last message closely.
    while Message.objects.filter(kind=KIND, state=Message.State.SENT).count() < count:
        if time.perf_counter() > deadline:
            states = dict(Message.objects.values_list("state").annotate(n=Count("id")))
            raise RuntimeError(f"rows not all sent: {states}")
        time.sleep(0.02)
    elapsed = time.perf_counter() - started
    connection.close()
    return first, elapsed


def celery_summary(scratch: Path) -> str:
    """Sweeps and batches as the worker and beat logged them; a batch that sent nothing was queued twice."""
    worker = (scratch / "worker.log").read_text(errors="replace")
    sweeps = re.findall(r"outbox: queued (\d+) due messages", worker)
    batches = [int(sent) for sent in re.findall(r"outbox: sent (\d+) of \d+ messages", worker)]
    from_beat = (scratch / "beat.log").read_text(errors="replace").count("Sending due task notify-sweep")
    return (
        f"{len(sweeps)} sweeps queued {'+'.join(sweeps) or 0} messages (beat sent {from_beat} sweeps meanwhile); "
        f"{len(batches)} send_batch tasks, {batches.count(0)} of which found their messages already taken"
    )


def _cumulative(stats: pstats.Stats, function: Callable) -> float:
    code = function.__code__
    return stats.stats.get((code.co_filename, code.co_firstlineno, code.co_name), (0, 0, 0, 0.0))[3]


def profile_batch(size: int) -> None:
    """Send one batch in this process under cProfile; print where its time goes."""
    from django.core.mail.backends.smtp import EmailBackend
    from django.db.models.query import QuerySet
    from django.db.models.sql.compiler import SQLCompiler
    from django.template.loader import render_to_string

    from assembly.meetings.calendars import calendar_for
    from assembly.notify.models import Message
    from assembly.notify.services import outbox_send_batch, render_email

    ids = list(Message.objects.filter(kind=KIND).order_by("-id").values_list("id", flat=True)[:size])
    Message.objects.filter(id__in=ids).update(state=Message.State.PENDING, claim_token=None, sent_at=None)
    profiler = cProfile.Profile()
    started = time.perf_counter()
    sent = profiler.runcall(outbox_send_batch, message_ids=ids)
    wall = time.perf_counter() - started
    stats = pstats.Stats(profiler)
    total = _cumulative(stats, outbox_send_batch)
    print(f"profile:   one send_batch of {sent} messages in this process, under cProfile: {wall:.2f} s")
    for label, function in [
        ("render_email", render_email),
        ("  the .ics attachment", calendar_for),
        ("  the three templates", render_to_string),
        ("SMTP send (MIME and socket)", EmailBackend.send_messages),
        ("database, every query", SQLCompiler.execute_sql),
        ("  UPDATEs (claim, mark sent)", QuerySet.update),
    ]:
        seconds = _cumulative(stats, function)
        print(f"           {label:30s} {seconds * 1000 / sent:6.1f} ms/msg {seconds / total:5.0%}")
    stats.sort_stats("cumulative").print_stats(25)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10000, help="due reminders to send (default 10000)")
    parser.add_argument("--concurrency", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--batch-size", type=int, default=None, help="NOTIFY_BATCH_SIZE (default: the settings')")
    parser.add_argument("--profile", action="store_true", help="then profile one send_batch in this process")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder (logs, database) afterwards")
    args = parser.parse_args()

    sys.stdout.reconfigure(line_buffering=True)
    # Ctrl-C and SIGTERM both unwind through the finally below, which stops every process started here.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    scratch = BASE_DIR / "var" / "bench" / f"reminders-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
    scratch.mkdir(parents=True)
    sink = redis = worker = beat = None
    succeeded = False
    try:
        from assembly.common.catalogs import compile_catalogs
        from assembly.common.localredis import start_local_redis

        sink = Sink(scratch)
        redis_url, redis = start_local_redis(var_dir=scratch / "redis")
        os.environ.update(
            bench_env(scratch=scratch, redis_url=redis_url, smtp_port=sink.port, batch_size=args.batch_size)
        )
        env = {**os.environ}
        compile_catalogs([BASE_DIR / "locale"])
        subprocess.run([PYTHON, "manage.py", "migrate", "--verbosity", "0"], cwd=BASE_DIR, env=env, check=True)

        import django

        django.setup()
        from django.conf import settings
        from django.db import connections

        started = time.perf_counter()
        due = seed(args.count)
        print(f"seeded:    {due} due reminders in {time.perf_counter() - started:.1f} s (scratch: {scratch})")
        emails, render_seconds = render_all()
        print(
            f"rendered:  {len(emails)} messages in this process in {render_seconds:.1f} s = "
            f"{len(emails) / render_seconds:.0f} msg/s (before both runs, timed in neither)"
        )
        connections.close_all()

        meter = CpuMeter({"sink": (sink.process.pid, True)}, me="sender")
        meter.start()
        base_seconds = baseline(sink, emails)
        base_cpu, base_others = meter.report(len(emails))
        base_rate = len(emails) / base_seconds
        del emails
        connections.close_all()

        worker = celery(
            "worker",
            *(
                "--hostname",
                f"bench-{os.getpid()}@%h",
                "--queues",
                "alerts,celery",
                "--concurrency",
                str(args.concurrency),
            ),
            *("--without-gossip", "--without-mingle", "--logfile", str(scratch / "worker.log")),
            env=env,
        )
        beat = celery(
            "beat",
            *("--schedule", str(scratch / "celerybeat-schedule"), "--pidfile", str(scratch / "celerybeat.pid")),
            *("--logfile", str(scratch / "beat.log")),
            env=env,
        )
        wait_until_running(worker=worker, beat=beat, scratch=scratch)
        print(
            "t0:        beat is running, but its first sweep is 60 s away: at t0 this script sends "
            "assembly.notify.sweep to Redis itself, as beat would"
        )
        meter = CpuMeter(
            {
                "worker": (worker.pid, True),
                "sink": (sink.process.pid, True),
                "redis": (redis.pid, False),
                "beat": (beat.pid, True),
            },
            me="poller",
        )
        sessions_before = sink.counts()[1]
        meter.start()
        first, seconds = pipeline(sink, due)
        cpu, others = meter.report(due)
        sessions = sink.counts()[1] - sessions_before
        rate = due / seconds
        ratio = rate / base_rate
        print(
            f"reminders: {due} messages via beat->redis->worker({args.concurrency})->smtp in {seconds:.1f} s = "
            f"{rate:.0f} msg/s"
        )
        print(
            f"baseline:  {due} pre-rendered messages over one SMTP connection in {base_seconds:.1f} s = "
            f"{base_rate:.0f} msg/s"
        )
        print(f"ratio:     {ratio:.2f} (target >= {TARGET_RATIO})")
        print(
            f"details:   batch size {settings.NOTIFY_BATCH_SIZE}, {sessions} SMTP sessions, "
            f"first message after {first:.2f} s"
        )
        print(f"           {celery_summary(scratch)}")
        print(f"cpu:       reminders: {cpu}")
        print(f"cpu:       baseline:  {base_cpu}")
        if max(others, base_others) > BUSY_MACHINE:
            print("warning:   other programs were busy on this machine: the rates above are low and noisy")
        if args.profile:
            stop(beat)
            stop(worker)
            profile_batch(settings.NOTIFY_BATCH_SIZE)
        succeeded = True
        return 0 if ratio >= TARGET_RATIO else 1
    except KeyboardInterrupt:
        print("\ninterrupted; stopping everything this started", file=sys.stderr)
        return 130
    finally:
        stop(beat)
        stop(worker)
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
