from modeltranslation.translator import TranslationOptions, register

from assembly.meetings.models import AgendaItem, Meeting


@register(Meeting)
class MeetingTranslationOptions(TranslationOptions):
    fields = ("title", "description", "place_name", "place_directions")


@register(AgendaItem)
class AgendaItemTranslationOptions(TranslationOptions):
    fields = ("title", "notes", "decisions", "next_steps")
