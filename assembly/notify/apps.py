from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "assembly.notify"
    label = "notify"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model

        from assembly.notify import registry, signals

        registry.register_recipients("user", registry.user_recipient)
        signals.connect(get_user_model())
