from modeltranslation.translator import TranslationOptions, register

from assembly.defense.models import Alert, DefenseRole, GamePlan, MeetingPoint, PlanResource, PlanStep, RoleKind


@register(RoleKind)
class RoleKindTranslationOptions(TranslationOptions):
    fields = ("name",)


@register(GamePlan)
class GamePlanTranslationOptions(TranslationOptions):
    fields = ("title", "summary")


@register(PlanStep)
class PlanStepTranslationOptions(TranslationOptions):
    fields = ("text",)


@register(MeetingPoint)
class MeetingPointTranslationOptions(TranslationOptions):
    fields = ("name", "description")


@register(PlanResource)
class PlanResourceTranslationOptions(TranslationOptions):
    fields = ("title", "body")


@register(DefenseRole)
class DefenseRoleTranslationOptions(TranslationOptions):
    fields = ("description",)


@register(Alert)
class AlertTranslationOptions(TranslationOptions):
    fields = ("location", "activity", "uniforms", "vehicles")
