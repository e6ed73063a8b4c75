from django.db import migrations

from assembly.rotation.seeds import seed_role_types


def seed_existing(apps, schema_editor) -> None:
    role_type = apps.get_model("rotation", "RoleType")
    for assembly_id in apps.get_model("assemblies", "Assembly").objects.values_list("pk", flat=True):
        seed_role_types(role_type, assembly_id, historical=True)


class Migration(migrations.Migration):
    dependencies = [("rotation", "0001_initial"), ("assemblies", "0001_initial")]

    operations = [migrations.RunPython(seed_existing, migrations.RunPython.noop)]
