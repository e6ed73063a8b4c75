from django.conf import settings
from django.core.management.base import BaseCommand

from assembly.common.catalogs import compile_catalogs


class Command(BaseCommand):
    help = "Compile the .po catalogs under LOCALE_PATHS into .mo files, without needing GNU gettext."

    def handle(self, *args, **options) -> None:
        for po_path in compile_catalogs(settings.LOCALE_PATHS):
            self.stdout.write(f"compiled {po_path}")
