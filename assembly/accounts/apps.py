from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "assembly.accounts"
    label = "accounts"

    def ready(self) -> None:
        from assembly.accounts import messages, signals  # noqa: F401
