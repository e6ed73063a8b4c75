"""`make run`: the whole site on one machine, with Redis, a Celery worker, one beat, and readable mail and texts.

Uses the Redis at REDIS_URL when it answers, otherwise starts the one installed from PyPI under var/.
Texts go through the real Twilio and Signal backends to local fakes of their APIs (assembly/notify/fakes.py),
which write each message they take to var/sms/ and var/signal/; `manage.py fake_text +13125550142 "1"`
answers from a fake phone. SMS_BACKEND=assembly.notify.channels.FileBackend (or any backend) in the
environment keeps the fakes off. Ctrl-C stops everything this started.
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from assembly.common.localredis import redis_answers, start_local_redis

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
PYTHON = sys.executable
CELERY = str(Path(PYTHON).with_name("celery"))


def manage(*args: str, env: dict) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=BASE_DIR, env=env, check=True)


def _start_fakes(env: dict) -> list:
    """Start the Twilio and Signal fakes here and point the web, worker and beat at them, unless a backend is set."""
    if "SMS_BACKEND" in env or "SIGNAL_BACKEND" in env:
        return []
    from assembly.notify.fakes import FakeSignal, FakeTwilio, fakes_env

    twilio, signal_api = FakeTwilio(VAR_DIR / "sms").start(), FakeSignal(VAR_DIR / "signal").start()
    settings = fakes_env({"twilio": twilio, "signal": signal_api})
    env.update(
        settings,
        SMS_BACKEND="assembly.notify.providers.twilio.TwilioBackend",
        SIGNAL_BACKEND="assembly.notify.providers.signal.SignalBackend",
    )
    # For `manage.py fake_text`; development credentials of this run only.
    path = VAR_DIR / "fakes.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(settings), encoding="utf-8")
    path.chmod(0o600)
    print(f"Texts go to fakes of Twilio ({twilio.url}) and signal-cli ({signal_api.url}): see var/sms/, var/signal/")
    return [twilio, signal_api]


def main() -> int:
    # `kill` (SIGTERM) stops the children too, as Ctrl-C does: the `finally` below runs on SystemExit.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(0))
    env = {**os.environ, "DEBUG": os.environ.get("DEBUG", "true"), "PYTHONUNBUFFERED": "1"}
    children: list[subprocess.Popen] = []
    redis_url = env.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    if redis_answers(redis_url):
        print(f"Using the Redis that answers at {redis_url}")
    else:
        redis_url, redis_process = start_local_redis(
            var_dir=VAR_DIR / "redis", port=int(env.get("LOCAL_REDIS_PORT", "6389"))
        )
        children.append(redis_process)
        print(f"Started a local Redis at {redis_url} (files in var/redis/)")
    env["REDIS_URL"] = redis_url
    fakes = _start_fakes(env)

    try:
        manage("migrate", "--verbosity", "0", env=env)
        manage("compile_catalogs", env=env)
        manage("seed_demo", env=env)
        celery = [CELERY, "-A", "assembly"]
        children.append(
            subprocess.Popen(
                [*celery, "worker", "--queues", "alerts,celery", "--loglevel", "INFO", "--concurrency", "2"],
                cwd=BASE_DIR,
                env=env,
            )
        )
        # One beat only: the pid file refuses a second one on this machine.
        children.append(
            subprocess.Popen(
                [
                    *celery,
                    "beat",
                    "--loglevel",
                    "INFO",
                    "--schedule",
                    str(VAR_DIR / "celerybeat-schedule"),
                    "--pidfile",
                    str(VAR_DIR / "celerybeat.pid"),
                ],
                cwd=BASE_DIR,
                env=env,
            )
        )
        children.append(subprocess.Popen([PYTHON, "manage.py", "runserver", "127.0.0.1:8000"], cwd=BASE_DIR, env=env))
        print(f"\nAsamblea runs at http://127.0.0.1:8000/  (mail lands in {VAR_DIR / 'mail'}/)  Ctrl-C stops it.\n")
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        print("A process stopped; stopping the rest.")
        return 1
    except KeyboardInterrupt:
        print("\nStopping…")
        return 0
    finally:
        for fake in fakes:
            fake.stop()
        (VAR_DIR / "fakes.json").unlink(missing_ok=True)
        for child in reversed(children):
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in reversed(children):
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()


if __name__ == "__main__":
    sys.exit(main())
