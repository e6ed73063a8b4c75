from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "assembly.meetings"
    label = "meetings"

    def ready(self) -> None:
        from assembly.meetings import messages  # noqa: F401  (registers the message kinds)
