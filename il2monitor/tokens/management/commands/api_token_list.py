from typing import Any

from django.core.management.base import BaseCommand

from il2monitor.tokens.models import ApiToken


class Command(BaseCommand):
    help = "List API tokens (never their keys): id, prefix, user, scope, last use, state."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--all", action="store_true", help="Include revoked tokens.")

    def handle(self, *args: Any, **options: Any) -> None:
        tokens = ApiToken.objects.select_related("user").order_by("created_at")
        if not options["all"]:
            tokens = tokens.filter(revoked_at__isnull=True)
        for token in tokens:
            state = "active" if token.is_active else f"revoked {token.revoked_at:%Y-%m-%d %H:%M}"
            last = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
            self.stdout.write(
                f"{token.pk}  {token.prefix:<12}  {token.user.username:<16}  {token.scope:<10}  "
                f"last used {last:<16}  {state}  {token.name}"
            )
