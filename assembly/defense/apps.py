from django.apps import AppConfig


class DefenseConfig(AppConfig):
    name = "assembly.defense"
    label = "defense"

    def ready(self) -> None:
        from assembly.defense import messages, replies, reports, signals  # noqa: F401  (message kinds; role kinds)
        from assembly.notify.registry import register_inbound

        # A report first: REPORT from a member's phone is a report, not a reply to an alert.
        register_inbound(reports.report_receive)
        register_inbound(replies.reply_receive)
