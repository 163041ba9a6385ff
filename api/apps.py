from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "REST API"

    def ready(self):
        # Registers the schema extension that describes token authentication.
        from api import schema, services, signals  # noqa: F401
        from tracker import tasks

        # Tokens stop working when their user's password, second factor, role or state changes.
        signals.connect()

        # The worker's daily run removes the records of token uses past their keeping time.
        tasks.register_daily_chore("token_uses_pruned", services.token_uses_prune)
