from django.contrib import admin

from assembly.notify.models import Message


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "recipient_key", "object_id", "occasion", "state", "due_at", "attempts"]
    list_filter = ["state", "kind"]
    readonly_fields = [field.name for field in Message._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
