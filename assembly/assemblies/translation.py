from modeltranslation.translator import TranslationOptions, register

from assembly.assemblies.models import Assembly, Zone


@register(Assembly)
class AssemblyTranslationOptions(TranslationOptions):
    fields = ("name", "description", "area")


@register(Zone)
class ZoneTranslationOptions(TranslationOptions):
    fields = ("name", "description")
