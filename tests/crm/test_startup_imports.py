"""What a web worker imports when it starts: heavy libraries that most requests never use stay
out, so that each gunicorn worker's memory stays within its budget (issue 11: 120 MB)."""

import os
import subprocess
import sys

from django.conf import settings

# openpyxl costs each process about 5 MB: only exports, reports and imports load it.
NOT_AT_STARTUP = ("openpyxl",)


def test_a_web_worker_starts_without_openpyxl():
    script = (
        "import sys\n"
        "from config.wsgi import application\n"
        "from django.urls import get_resolver\n"
        "get_resolver().url_patterns\n"
        f"print(','.join(name for name in {NOT_AT_STARTUP!r} if name in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert result.stdout.strip() == ""
