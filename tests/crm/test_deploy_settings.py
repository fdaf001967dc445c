"""Production settings: ``check --deploy`` clean with the README's variables, the intranet mode,
and a Content-Security-Policy that no template breaks.

The settings are read once per process, so each configuration is tried in a subprocess with
its own environment (as systemd would give it to gunicorn).
"""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)

# The production variables the README's Configuration table lists.
PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_ALLOWED_HOSTS": "zhaoshang.example.gov.cn",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://zhaoshang.example.gov.cn",
    "DJANGO_HSTS_SECONDS": "31536000",
    "DJANGO_HSTS_INCLUDE_SUBDOMAINS": "1",
    "DJANGO_HSTS_PRELOAD": "1",
    "DJANGO_SECURE_PROXY_SSL_HEADER": "1",
    "USE_X_FORWARDED_FOR": "1",
}
INTRANET = {
    "DJANGO_DEBUG": "0",
    "DJANGO_ALLOWED_HOSTS": "10.0.0.5",
    "DJANGO_INTRANET_HTTP": "1",
}
SETTING_NAMES = [
    "DEBUG",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_PROXY_SSL_HEADER",
    "USE_X_FORWARDED_FOR",
    "SILENCED_SYSTEM_CHECKS",
    "X_FRAME_OPTIONS",
]


def run(args: list[str], variables: dict[str, str]) -> subprocess.CompletedProcess:
    # The test run's own DJANGO_* variables must not leak into the configuration under test.
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("DJANGO_") and key != "USE_X_FORWARDED_FOR"
    }
    env.update(variables)
    env["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(50)
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def check_deploy(variables: dict[str, str]) -> subprocess.CompletedProcess:
    return run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], variables)


def settings_under(variables: dict[str, str]) -> dict:
    script = (
        "import json, django; from django.conf import settings; django.setup(); "
        f"print(json.dumps({{n: getattr(settings, n, None) for n in {SETTING_NAMES!r}}}))"
    )
    result = run(["-c", script], {**variables, "DJANGO_SETTINGS_MODULE": "config.settings"})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_check_deploy_is_clean_with_the_documented_production_variables():
    result = check_deploy(PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_sends_cookies_over_https_only_and_trusts_the_proxy_when_told():
    values = settings_under(PRODUCTION)
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] == 31536000
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["USE_X_FORWARDED_FOR"] is True
    assert values["X_FRAME_OPTIONS"] == "DENY"


def test_without_the_hsts_variable_check_deploy_still_asks_for_it():
    result = check_deploy({"DJANGO_DEBUG": "0"})
    assert "security.W004" in result.stdout + result.stderr
    assert settings_under({"DJANGO_DEBUG": "0"})["SECURE_PROXY_SSL_HEADER"] is None


def test_intranet_mode_is_clean_and_silences_exactly_the_https_checks():
    result = check_deploy(INTRANET)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (4 silenced)." in result.stdout
    values = settings_under(INTRANET)
    assert values["SILENCED_SYSTEM_CHECKS"] == [
        "security.W004",
        "security.W008",
        "security.W012",
        "security.W016",
    ]
    # Cookies that come back over plain HTTP, so signing in does not end in a CSRF 403.
    assert values["SESSION_COOKIE_SECURE"] is False
    assert values["CSRF_COOKIE_SECURE"] is False
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SECURE_HSTS_SECONDS"] == 0


@pytest.mark.parametrize(
    "path", ["/work/", "/leads/", "/leads/pipeline/", "/projects/board/", "/profile/", "/login/"]
)
def test_every_page_carries_the_content_security_policy(client, officer, task_force, path):
    if path != "/login/":
        client.force_login(officer)
    response = client.get(path)
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy


def test_error_pages_carry_the_content_security_policy_too(client, officer):
    client.force_login(officer)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "script-src 'self'" in response["Content-Security-Policy"]


# Emails are not web pages: mail clients need inline styles, and no CSP applies to them.
PAGE_TEMPLATES = [
    path
    for path in sorted((ROOT / "templates").rglob("*.html"))
    if "emails" not in path.relative_to(ROOT / "templates").parts
]
FORBIDDEN = {
    "inline script": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    "event handler attribute": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
    "style attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "style element": re.compile(r"<style\b", re.IGNORECASE),
    "htmx inline handler": re.compile(r"\shx-on", re.IGNORECASE),
}


def test_page_templates_exist_to_be_checked():
    assert len(PAGE_TEMPLATES) > 20


@pytest.mark.parametrize(
    "template", PAGE_TEMPLATES, ids=lambda path: str(path.relative_to(ROOT / "templates"))
)
def test_no_template_holds_what_the_policy_would_block(template):
    text = template.read_text(encoding="utf-8")
    found = [name for name, pattern in FORBIDDEN.items() if pattern.search(text)]
    assert not found, f"{template.relative_to(ROOT)}: {', '.join(found)}"
