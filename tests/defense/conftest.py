from pathlib import Path

import pytest


@pytest.fixture
def sms_path(settings, tmp_path) -> Path:
    """Text messages go to the file backend, in a folder of this test's own."""
    settings.SMS_BACKEND = "assembly.notify.channels.FileBackend"
    settings.SMS_FILE_PATH = tmp_path / "sms"
    return settings.SMS_FILE_PATH
