from modeltranslation.translator import TranslationOptions, register

from assembly.meetings.models import Meeting


@register(Meeting)
class MeetingTranslationOptions(TranslationOptions):
    fields = ("title", "description", "place_name", "place_directions")
