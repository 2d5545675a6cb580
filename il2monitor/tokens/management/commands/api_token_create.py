from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from il2monitor.tokens.models import TokenScope
from il2monitor.tokens.services import api_token_create


class Command(BaseCommand):
    help = (
        "Create an API token for a user and print its key once (only a hash is stored). "
        "The token acts with the user's role; a 'read' token may only read."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username", help="The user the token acts as.")
        parser.add_argument("--name", required=True, help="Who or what uses the token.")
        parser.add_argument(
            "--scope", choices=TokenScope.values, default=TokenScope.READ, help="Default: read."
        )
        parser.add_argument(
            "--created-by", help="The admin creating it (username), kept with the token."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        users = get_user_model().objects
        try:
            user = users.get(username=options["username"])
            by = users.get(username=options["created_by"]) if options["created_by"] else None
        except users.model.DoesNotExist as error:
            raise CommandError("No such user.") from error
        try:
            issued = api_token_create(
                user=user, name=options["name"], scope=options["scope"], by=by
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        token = issued.token
        self.stderr.write(
            f"Created token {token.pk} “{token.name}” ({token.scope}) for {user.username}. "
            "The key below is shown once; store it now."
        )
        self.stdout.write(issued.key)
