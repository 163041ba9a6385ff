from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "REST API"

    def ready(self):
        # Registers the schema extension that describes token authentication.
        from api import schema, services  # noqa: F401
        from tracker import tasks

        # The worker's daily run removes the records of token uses past their keeping time.
        tasks.register_daily_chore("token_uses_pruned", services.token_uses_prune)
