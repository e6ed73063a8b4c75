from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "assembly.notify"
    label = "notify"

    def ready(self) -> None:
        from assembly.notify import registry

        registry.register_recipients("user", registry.user_recipient)
