"""``manage.py hl7_listen --host 0.0.0.0 --port 2575 [--user monitor.gateway]``: the MLLP
listener for monitors that speak HL7 v2 over TCP (docs/hl7.md)."""

import asyncio
import contextlib
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from patients.hl7.mllp import serve


class Command(BaseCommand):
    help = "Listen for HL7 v2 ORU^R01 messages over MLLP and record their vital signs."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="0.0.0.0", help="Default: 0.0.0.0.")  # noqa: S104
        parser.add_argument("--port", type=int, default=2575, help="Default: 2575 (HL7's).")
        parser.add_argument(
            "--user",
            default="",
            help="The account the sets are entered by (its history shows it); default: none, "
            "the sets name only their device.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        by = None
        if options["user"]:
            by = get_user_model().objects.filter(username=options["user"], is_active=True).first()
            if by is None:
                raise CommandError(f"No active user {options['user']!r}.")

        def started(port: int) -> None:
            self.stdout.write(f"Listening for HL7 v2 over MLLP on {options['host']}:{port}")
            self.stdout.flush()

        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(serve(options["host"], options["port"], by=by, started=started))
