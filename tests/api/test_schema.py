"""The OpenAPI schema, its Swagger UI, and the JSON answer for an unknown API URL."""

import pytest
import yaml
from django.core.management import call_command
from rest_framework.test import APIClient

from crm.models import User

SCHEMA_URL = "/api/v1/schema/"
DOCS_URL = "/api/v1/docs/"


def test_schema_validates_without_a_single_warning(tmp_path):
    output = tmp_path / "schema.yaml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(output))

    schema = yaml.safe_load(output.read_text(encoding="utf-8"))
    assert schema["info"]["title"] == "招商线索管理系统 API"
    assert set(schema["paths"]) == {
        "/api/v1/auth/token/",
        "/api/v1/auth/token/revoke/",
        "/api/v1/leads/",
        "/api/v1/leads/{id}/",
        "/api/v1/leads/{id}/follow-ups/",
        "/api/v1/leads/{id}/approval/",
        "/api/v1/approvals/",
        "/api/v1/approvals/{id}/decide/",
        "/api/v1/leads/{id}/transition/",
        "/api/v1/projects/",
        "/api/v1/projects/{id}/",
        "/api/v1/projects/{id}/transition/",
        "/api/v1/projects/board/",
        "/api/v1/support-applications/",
        "/api/v1/support-applications/{id}/",
        "/api/v1/leads/{id}/attachments/",
        "/api/v1/leads/{id}/attachments/{attachment_id}/",
        "/api/v1/leads/{id}/comments/",
        "/api/v1/projects/{id}/attachments/",
        "/api/v1/projects/{id}/attachments/{attachment_id}/",
        "/api/v1/projects/{id}/comments/",
        "/api/v1/support-applications/{id}/attachments/",
        "/api/v1/support-applications/{id}/attachments/{attachment_id}/",
        "/api/v1/cockpit/",
        "/api/v1/reports/",
        "/api/v1/reports/export/",
        "/api/v1/atlas/",
        "/api/v1/targets/",
        "/api/v1/targets/{id}/",
        "/api/v1/targets/{id}/convert/",
        "/api/v1/projects/{id}/funds/",
        "/api/v1/search/",
        "/api/v1/imports/",
        "/api/v1/imports/{kind}/",
        "/api/v1/notices/",
        "/api/v1/notices/{id}/read/",
        "/api/v1/notices/read-all/",
    }


def test_every_operation_documents_its_errors_with_the_shared_component(tmp_path):
    output = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(output))
    schema = yaml.safe_load(output.read_text(encoding="utf-8"))
    error = {"$ref": "#/components/schemas/Error"}

    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            errors = {code: body for code, body in operation["responses"].items() if code >= "400"}
            assert "429" in errors or path == "/api/v1/auth/token/revoke/", (method, path)
            for body in errors.values():
                assert body["content"]["application/json"]["schema"] == error, (method, path)


def test_list_filters_are_query_parameters(tmp_path):
    output = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(output))
    schema = yaml.safe_load(output.read_text(encoding="utf-8"))

    def parameters(path: str) -> set[str]:
        return {parameter["name"] for parameter in schema["paths"][path]["get"]["parameters"]}

    assert {"stage", "industry", "owner_id", "overdue", "q", "ordering", "page"} <= parameters(
        "/api/v1/leads/"
    )
    assert {"status", "late", "leader_id"} <= parameters("/api/v1/projects/board/")
    assert {"fund_source", "deadline_after"} <= parameters("/api/v1/support-applications/")


@pytest.mark.django_db
def test_schema_needs_a_signed_in_client(officer):
    assert APIClient().get(SCHEMA_URL).status_code == 401

    client = APIClient()
    client.force_login(officer)
    assert client.get(SCHEMA_URL).status_code == 200
    as_json = client.get(SCHEMA_URL, {"format": "json"})
    assert as_json.json()["info"]["title"] == "招商线索管理系统 API"


@pytest.mark.django_db
def test_docs_are_for_signed_in_users_and_load_nothing_from_a_cdn(client, officer: User):
    assert client.get(DOCS_URL).status_code == 302

    client.force_login(officer)
    page = client.get(DOCS_URL)

    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    script = client.get(DOCS_URL, {"script": ""})
    assert script["Content-Type"].startswith("application/javascript")
    assert SCHEMA_URL in script.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post"])
def test_an_unknown_api_url_answers_json_404(officer, method):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(officer)

    response = getattr(client, method)("/api/v1/leads/0.5/transition/")

    assert response.status_code == 404
    assert response.json()["code"] == "NotFound"


@pytest.mark.django_db
def test_api_url_without_its_slash_still_redirects(officer):
    client = APIClient()
    client.force_login(officer)

    response = client.get("/api/v1/leads")

    assert response.status_code == 301
    assert response["Location"] == "/api/v1/leads/"
