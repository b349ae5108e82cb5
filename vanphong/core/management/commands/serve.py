"""`vanphong serve`: gunicorn (production WSGI server) plus the background worker(s).

`WORKER_PROCESSES` (default 1) worker processes are started; each has `WORKER_THREADS` threads.
More than one process lets the worker use more than one CPU (its threads share one interpreter
lock): the exchange's deliveries, OCR and indexing then run side by side.

Stopping (SIGTERM or Ctrl+C): both children get SIGTERM, a graceful stop for each. gunicorn
finishes its requests within `--graceful-timeout`; the worker finishes its running tasks within
WORKER_SHUTDOWN_TIMEOUT and then gives back what it could not finish (`vanphong worker`). A
child still running after that (plus a margin) is killed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

WEB_GRACEFUL_TIMEOUT = 20


class Command(BaseCommand):
    help = "Chạy máy chủ web (gunicorn) và tiến trình nền cùng lúc."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", "3")))
        parser.add_argument("--no-worker", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        bind = f"{options['host']}:{options['port']}"
        web = [
            sys.executable,
            "-m",
            "gunicorn",
            "vanphong.wsgi:application",
            "--preload",
            "--bind",
            bind,
            "--workers",
            str(options["workers"]),
            "--threads",
            "4",
            "--timeout",
            "120",
            "--access-logfile",
            "-",
            "--graceful-timeout",
            str(WEB_GRACEFUL_TIMEOUT),
        ]
        children = [subprocess.Popen(web)]
        if not options["no_worker"]:
            # WORKER_PROCESSES consumers share the queue; only the first runs the periodic jobs.
            for index in range(settings.WORKER_PROCESSES):
                command = [sys.executable, "-m", "vanphong", "worker"]
                children.append(subprocess.Popen(command + (["--no-periodic"] if index else [])))
        self.stdout.write(f"vanphong đang chạy tại http://{bind}/ (Ctrl+C để dừng)")

        signalled: set[int] = set()

        def stop(*_: Any) -> None:
            # SIGTERM is the graceful stop of both gunicorn and `vanphong worker`. Once per
            # child: a second SIGTERM would make the worker drop its running tasks at once.
            for child in children:
                if child.poll() is None and child.pid not in signalled:
                    signalled.add(child.pid)
                    child.terminate()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
        finally:
            stop()
            self.stdout.write("Đang dừng: chờ máy chủ web và tiến trình nền làm xong việc đang dở…")
            grace = max(WEB_GRACEFUL_TIMEOUT, settings.WORKER_SHUTDOWN_TIMEOUT) + 10
            deadline = time.monotonic() + grace
            for child in children:
                try:
                    child.wait(timeout=max(0.0, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    child.kill()
        codes = [child.returncode for child in children]
        if any(code not in (0, -signal.SIGTERM, -signal.SIGINT) for code in codes):
            sys.exit(1)
