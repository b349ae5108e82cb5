"""`vanphong worker`: the background worker (huey consumer) with its periodic jobs.

Stopping: SIGTERM (systemd, `vanphong serve`) and SIGINT (Ctrl+C) are both graceful. Running
tasks get WORKER_SHUTDOWN_TIMEOUT seconds to finish, no new task starts; after that, or on a
second signal of the same kind, the worker stops at once and huey reports the tasks still running
as interrupted (the exchange app then gives back the outbox leases they held). huey itself makes
only one of the two signals graceful (`graceful_signal`); the other would drop running tasks.
This assumes thread workers (settings.HUEY): with `worker_type: process` the children would treat
SIGINT as an interrupt, and the leases they hold would not be given back by the main process.
"""

from __future__ import annotations

import logging
import signal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils.module_loading import autodiscover_modules
from huey.consumer import Consumer
from huey.consumer_options import ConsumerConfig

from vanphong.core import worker
from vanphong.core.warm import warm_up


class GracefulConsumer(Consumer):
    """huey's consumer with SIGINT as graceful as SIGTERM (`graceful_signal="TERM"`)."""

    def __init__(self, huey: Any, **options: Any) -> None:
        super().__init__(huey, **{**options, "graceful_signal": "TERM"})
        # huey maps each signal to (restart, graceful); by default the non-graceful one is SIGINT.
        self._signal_actions[signal.SIGINT] = (False, True)


class Command(BaseCommand):
    help = "Chạy tiến trình xử lý nền (huey)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-periodic",
            action="store_true",
            help="không chạy việc định kỳ (khi đã có một tiến trình nền khác chạy chúng)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from huey.contrib.djhuey import HUEY

        autodiscover_modules("tasks")
        warm_up()  # before the threads start, not in the first tasks
        values: dict[str, Any] = dict(getattr(settings, "HUEY", {}).get("consumer", {}))
        if options["no_periodic"]:
            values["periodic"] = False
        config = ConsumerConfig(**values)
        config.validate()
        huey_logger = logging.getLogger("huey")
        if not huey_logger.handlers:
            config.setup_logger(huey_logger)
        if not options["no_periodic"] and not HUEY.results:
            # Task results kept by earlier versions (one per delivered package, never read).
            HUEY.storage.flush_results()
        consumer = GracefulConsumer(HUEY, **config.values)
        worker.bind(consumer.stop_flag)
        try:
            consumer.run()
        finally:
            worker.bind(None)
