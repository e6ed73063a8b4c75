from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "assembly.meetings"
    label = "meetings"

    def ready(self) -> None:
        from assembly.meetings import messages, signals  # noqa: F401  (message kinds; sign-ups end with access)
