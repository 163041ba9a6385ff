from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "REST API"

    def ready(self):
        # Registers the schema extension that describes token authentication.
        from api import schema  # noqa: F401
