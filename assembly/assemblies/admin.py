from django.contrib import admin
from modeltranslation.admin import TranslationAdmin

from assembly.assemblies.models import Assembly, Membership, Zone


@admin.register(Assembly)
class AssemblyAdmin(TranslationAdmin):
    list_display = ["name", "slug", "kind", "visibility", "join_policy"]
    list_filter = ["kind", "visibility", "join_policy"]


@admin.register(Zone)
class ZoneAdmin(TranslationAdmin):
    list_display = ["name", "assembly"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["id", "assembly", "role", "status", "created_at"]
    list_filter = ["role", "status"]
