from django.apps import AppConfig


class RotationConfig(AppConfig):
    name = "assembly.rotation"
    label = "rotation"

    def ready(self) -> None:
        from assembly.rotation import messages, signals  # noqa: F401  (message kinds; role types for new assemblies)
