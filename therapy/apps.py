from django.apps import AppConfig


class TherapyConfig(AppConfig):
    name = "therapy"
    verbose_name = "IL-2 therapy and monitoring"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from patients.monitor_hook import register_monitor
        from patients.monitor_status import (
            register_status_provider,
            register_work_list_provider,
        )
        from therapy.models.documents import connect_invalidation
        from therapy.monitor.listener import enqueue_evaluation
        from therapy.pages.worklist import work_lists
        from therapy.state.health import not_monitored_words

        register_monitor(enqueue_evaluation)
        register_status_provider(not_monitored_words)
        connect_invalidation()
        register_work_list_provider(work_lists)
