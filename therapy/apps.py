from django.apps import AppConfig


class TherapyConfig(AppConfig):
    name = "therapy"
    verbose_name = "IL-2 therapy and monitoring"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from patients.monitor_hook import register_monitor
        from therapy.monitor import enqueue_evaluation

        register_monitor(enqueue_evaluation)
