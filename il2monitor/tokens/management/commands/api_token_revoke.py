import uuid
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from il2monitor.tokens.models import ApiToken
from il2monitor.tokens.services import api_token_revoke


class Command(BaseCommand):
    help = "Revoke an API token, named by its id or its key prefix (as the admin lists it)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("token", help="Token id (UUID) or key prefix, e.g. il2_AbCd1234.")
        parser.add_argument("--by", required=True, help="The admin revoking it (username).")

    def handle(self, *args: Any, **options: Any) -> None:
        users = get_user_model().objects
        try:
            by = users.get(username=options["by"])
        except users.model.DoesNotExist as error:
            raise CommandError("No such user for --by.") from error
        reference = options["token"]
        try:
            matches = ApiToken.objects.filter(pk=uuid.UUID(reference))
        except ValueError:
            matches = ApiToken.objects.filter(prefix=reference)
        tokens = list(matches[:2])
        if not tokens:
            raise CommandError(f"No token {reference}.")
        if len(tokens) > 1:
            raise CommandError(f"Several tokens start with {reference}; give the token's id.")
        token = tokens[0]
        if api_token_revoke(token=token, by=by):
            self.stdout.write(f"Revoked token {token.pk} “{token.name}” of {token.user}.")
        else:
            self.stdout.write(f"Token {token.pk} was already revoked at {token.revoked_at}.")
