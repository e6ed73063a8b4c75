from django.contrib import admin

from assembly.accounts.models import User


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ["id", "display_name", "language", "is_active", "is_staff", "date_joined"]
    list_filter = ["language", "is_active", "is_staff"]
    search_fields = ["display_name", "email"]
    fields = ["email", "display_name", "language", "phone", "is_active", "is_staff", "is_superuser"]
