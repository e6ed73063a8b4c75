"""The meeting roles every assembly starts with, in both languages; coordinators change them later.

The order is the priority: when there are too few people, roles earlier in the list are filled first.
"""

SEEDED_ROLES = [
    {
        "key": "facilitator",
        "name_en": "Facilitator",
        "name_es": "Facilitación",
        "description_en": "Guides the meeting through the agenda and makes sure every voice is heard.",
        "description_es": "Guía la reunión por el orden del día y cuida que se escuchen todas las voces.",
        "requires_training": True,
    },
    {
        "key": "interpreter",
        "name_en": "Interpreter",
        "name_es": "Interpretación",
        "description_en": "Interprets between English and Spanish so everyone can take part.",
        "description_es": "Interpreta entre inglés y español para que todas las personas participen.",
        "language_from": "en",
        "language_to": "es",
    },
    {
        "key": "note-taker",
        "name_en": "Note-taker",
        "name_es": "Toma de actas",
        "description_en": "Writes down decisions and next steps for the minutes.",
        "description_es": "Anota los acuerdos y los próximos pasos para el acta.",
    },
    {
        "key": "timekeeper",
        "name_en": "Timekeeper",
        "name_es": "Control del tiempo",
        "description_en": "Keeps each item to its time and warns before it runs out.",
        "description_es": "Cuida que cada punto dure lo previsto y avisa antes de que se acabe el tiempo.",
    },
    {
        "key": "stack-keeper",
        "name_en": "Stack-keeper",
        "name_es": "Turno de palabra",
        "description_en": "Keeps the list of people who want to speak, giving priority to those who have not yet.",
        "description_es": "Lleva la lista de quienes piden la palabra, con prioridad para quien aún no habló.",
    },
    {
        "key": "co-facilitator",
        "name_en": "Co-facilitator",
        "name_es": "Cofacilitación",
        "description_en": "Supports the facilitator and takes over when needed.",
        "description_es": "Apoya a quien facilita y toma el relevo cuando hace falta.",
    },
    {
        "key": "vibes-watcher",
        "name_en": "Vibes-watcher",
        "name_es": "Cuidado del ambiente",
        "description_en": "Watches the mood of the room and calls a pause when people need one.",
        "description_es": "Está atenta al ánimo de la sala y propone una pausa cuando hace falta.",
    },
    {
        "key": "greeter",
        "name_en": "Greeter",
        "name_es": "Bienvenida",
        "description_en": "Welcomes people at the door and helps newcomers find their way.",
        "description_es": "Recibe a la gente en la puerta y orienta a quien viene por primera vez.",
    },
]


def seed_role_types(role_type_model, assembly_id: int, *, historical: bool = False) -> None:
    """Create the seeded roles an assembly lacks; a migration passes its own model, without translation magic."""
    for position, fields in enumerate(SEEDED_ROLES):
        defaults = {**{name: value for name, value in fields.items() if name != "key"}, "position": position}
        if historical:
            defaults |= {"name": fields["name_en"], "description": fields["description_en"]}
        role_type_model.objects.get_or_create(assembly_id=assembly_id, key=fields["key"], defaults=defaults)
