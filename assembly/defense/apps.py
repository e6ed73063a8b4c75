from django.apps import AppConfig


class DefenseConfig(AppConfig):
    name = "assembly.defense"
    label = "defense"

    def ready(self) -> None:
        from assembly.defense import messages, signals  # noqa: F401  (message kinds; role kinds for new assemblies)
