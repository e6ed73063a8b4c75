from django.apps import AppConfig


class AssembliesConfig(AppConfig):
    name = "assembly.assemblies"
    label = "assemblies"
