"""Real Celery worker processes for the tests, on a real Redis, against the test database."""

import os
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.db import connection

from tests.support.paths import REPO


def database_url() -> str:
    db = connection.settings_dict
    user = db["USER"] or "postgres"
    return f"postgres://{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker(subprocess.Popen[str]):
    """A worker process whose output is drained in the background (a full pipe would block
    it), keeping the last lines for failure messages."""

    tail: deque[str]

    def drain(self) -> None:
        self.tail = deque(maxlen=300)

        def read() -> None:
            for line in self.stdout:  # type: ignore[union-attr]
                self.tail.append(line)

        threading.Thread(target=read, daemon=True).start()

    def said(self) -> str:
        return "".join(self.tail)


def start_worker(broker_url: str | None = None, **env: str) -> Worker:
    """Start a worker on the test database and wait until it says it is ready."""
    process = Worker(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "il2monitor",
            "worker",
            "--pool=solo",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
            "-Q",
            settings.CELERY_TASK_DEFAULT_QUEUE,
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "il2monitor.settings.test",
            "TEST_DATABASE_URL": database_url(),
            "TEST_REDIS_URL": broker_url or settings.CELERY_BROKER_URL,
            **env,
        },
    )
    lines: list[str] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()  # type: ignore[union-attr]
        lines.append(line)
        if " ready." in line:
            process.drain()
            return process
        if process.poll() is not None:
            break
    process.kill()
    pytest.fail("worker did not become ready:\n" + "".join(lines))


def stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_for(predicate, timeout: float = 30.0, step: float = 0.2) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return bool(predicate())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """A private redis-server on its own port, which a test may stop and start again."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        assert wait_for(self.answers, timeout=10), "redis-server did not start"

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


def _drop_connections() -> None:
    from il2monitor.celery import app

    app.close()
    # app.close() keeps the producer pool, which still points at the old broker.
    app.amqp._producer_pool = None
    app._pool = None


@contextmanager
def publishing_to(url: str) -> Iterator[None]:
    """Point this process's Celery publisher at another broker for the duration."""
    from il2monitor.celery import app

    previous = app.conf.broker_url
    app.conf.broker_url = url
    _drop_connections()
    try:
        yield
    finally:
        app.conf.broker_url = previous
        _drop_connections()
