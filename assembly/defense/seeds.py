"""The kinds of defense role every assembly starts with, in both languages."""

SEEDED_KINDS = [
    ("dispatcher", "Dispatcher", "Despacho"),
    ("verifier", "Verifier", "Verificación"),
    ("rapid-responder", "Rapid responder", "Respuesta rápida"),
    ("legal-observer", "Legal observer", "Observación legal"),
    ("documenter", "Documenter", "Documentación"),
    ("driver", "Driver", "Conducción"),
    ("childcare", "Childcare", "Cuidado de niñas y niños"),
    ("interpreter", "Interpreter", "Interpretación"),
    ("accompanier", "Accompanier", "Acompañamiento"),
]


def seed_role_kinds(role_kind_model, assembly_id: int, *, historical: bool = False) -> None:
    """Create the seeded kinds an assembly lacks; a migration passes its own model, without translation magic."""
    for position, (key, name_en, name_es) in enumerate(SEEDED_KINDS):
        defaults = {"name_en": name_en, "name_es": name_es, "position": position}
        if historical:
            defaults["name"] = name_en
        role_kind_model.objects.get_or_create(assembly_id=assembly_id, key=key, defaults=defaults)
