from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from therapy.demo.ward import DEMO_USERS, demo_loaded, load_demo_ward


class Command(BaseCommand):
    help = "Load the demo ward (fictional patients and demo users of every role) once."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Load even when DEBUG is off (demo passwords are public: never on a real ward).",
        )

    def handle(self, *args: Any, allow_production: bool = False, **options: Any) -> None:
        if not settings.DEBUG and not allow_production:
            raise CommandError("Refusing to load demo users with public passwords: DEBUG is off.")
        if demo_loaded():
            self.stdout.write("Demo ward already loaded; nothing written.")
        else:
            tokens = load_demo_ward()
            self.stdout.write(self.style.SUCCESS("Loaded the demo ward: 12 admitted patients."))
            for username, key in tokens.items():
                self.stdout.write(f"API token for {username}: {key}")
        self.stdout.write("Demo logins (username / password / role):")
        for user in DEMO_USERS:
            self.stdout.write(f"  {user.username:<14} {user.password:<22} {user.role}")
