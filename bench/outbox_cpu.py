"""How much CPU the outbox spends per alert message, in one process, without Celery in between.

Run by hand, never by the test suite:

    .venv/bin/python bench/outbox_cpu.py [--count 1000] [--profile]

Seeds what bench/alerts.py seeds (`count` holders, each by email and SMS), raises a verified alert, then calls
services.outbox_send_batch on its rows in batches of NOTIFY_BATCH_SIZE, as the alert worker would, against the
same SMTP sink and Twilio fake in their own processes; prints this process's CPU per message and, with
--profile, where it goes (cProfile, cumulative and own time). The profiler about doubles the figures.
"""

import argparse
import cProfile
import os
import pstats
import shutil
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.alerts import DETAILS, Providers, seed  # noqa: E402
from bench.reminders import PYTHON, Sink, bench_env, stop  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, help="role holders to alert (default 1000)")
    parser.add_argument("--profile", action="store_true", help="print where the time goes")
    args = parser.parse_args()

    scratch = BASE_DIR / "var" / "bench" / f"outbox-cpu-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
    scratch.mkdir(parents=True)
    sink = providers = redis = None
    try:
        from assembly.common.catalogs import compile_catalogs
        from assembly.common.localredis import start_local_redis

        sink = Sink(scratch)
        providers = Providers(scratch)
        redis_url, redis = start_local_redis(var_dir=scratch / "redis")
        os.environ.update(bench_env(scratch=scratch, redis_url=redis_url, smtp_port=sink.port, batch_size=None))
        os.environ.update(
            providers.env, SITE_URL="http://127.0.0.1:9", SMS_BACKEND="assembly.notify.providers.twilio.TwilioBackend"
        )
        compile_catalogs([BASE_DIR / "locale"])
        subprocess.run([PYTHON, "manage.py", "migrate", "--verbosity", "0"], cwd=BASE_DIR, check=True)

        import django

        django.setup()
        from django.conf import settings

        from assembly.defense import alerts
        from assembly.notify import services
        from assembly.notify.models import Message

        plan, zone, dispatcher = seed(args.count)
        # The batches queued on commit wait in Redis: no worker takes them; this process sends the rows.
        alerts.alert_raise(
            plan=plan, zone=zone, raised_by=dispatcher, verified=True, practice=False, another=True, **DETAILS
        )
        ids = list(Message.objects.filter(state=Message.State.PENDING).order_by("id").values_list("id", flat=True))
        size = settings.NOTIFY_BATCH_SIZE
        profile = cProfile.Profile() if args.profile else None
        started, cpu = time.perf_counter(), time.process_time()
        if profile:
            profile.enable()
        sent = sum(services.outbox_send_batch(message_ids=ids[i : i + size]) for i in range(0, len(ids), size))
        if profile:
            profile.disable()
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        print(
            f"outbox:    {sent} of {len(ids)} messages sent in batches of {size} in {seconds:.2f} s, "
            f"{cpu:.2f} s of this process's CPU = {1000 * cpu / max(sent, 1):.2f} ms per message"
        )
        if profile:
            stats = pstats.Stats(profile)
            stats.sort_stats("cumulative").print_stats(50)
            stats.sort_stats("tottime").print_stats(25)
        return 0
    finally:
        for process in (sink and sink.process, providers and providers.process):
            if process is not None:
                stop(process)
        stop(redis, session=False)
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
