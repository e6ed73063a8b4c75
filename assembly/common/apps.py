from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "assembly.common"
    label = "common"
