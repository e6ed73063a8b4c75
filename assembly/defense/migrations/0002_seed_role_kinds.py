from django.db import migrations

from assembly.defense.seeds import seed_role_kinds


def seed_existing(apps, schema_editor) -> None:
    role_kind = apps.get_model("defense", "RoleKind")
    for assembly_id in apps.get_model("assemblies", "Assembly").objects.values_list("pk", flat=True):
        seed_role_kinds(role_kind, assembly_id, historical=True)


class Migration(migrations.Migration):
    dependencies = [("defense", "0001_initial"), ("assemblies", "0001_initial")]

    operations = [migrations.RunPython(seed_existing, migrations.RunPython.noop)]
