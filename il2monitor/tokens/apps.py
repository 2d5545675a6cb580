from django.apps import AppConfig


class TokensConfig(AppConfig):
    """API tokens for REST clients: created by an admin, scoped, revocable, throttled."""

    name = "il2monitor.tokens"
    label = "tokens"
    verbose_name = "API tokens"
    default_auto_field = "django.db.models.BigAutoField"
