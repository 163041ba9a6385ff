from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "public"
    verbose_name = "Public site"

    def ready(self):
        # The demo's published summary (`seed_demo`), through the reports app's service.
        from public import demo  # noqa: F401
