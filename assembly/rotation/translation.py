from modeltranslation.translator import TranslationOptions, register

from assembly.rotation.models import RoleType


@register(RoleType)
class RoleTypeTranslationOptions(TranslationOptions):
    fields = ("name", "description")
