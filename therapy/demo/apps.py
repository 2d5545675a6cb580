from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The fictional demo ward (``manage.py demo_ward``). Installed by the local and test
    settings only: production settings do not install it, so demo data cannot load there."""

    name = "therapy.demo"
    label = "therapy_demo"
    verbose_name = "IL-2 Monitor demo ward"
