from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The fictional demo data of `make run`: it may use every app, and no app uses it."""

    name = "assembly.demo"
    label = "demo"
