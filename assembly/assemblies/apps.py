from django.apps import AppConfig


class AssembliesConfig(AppConfig):
    name = "assembly.assemblies"
    label = "assemblies"

    def ready(self) -> None:
        from assembly.assemblies import messages  # noqa: F401  (members as message recipients)
