"""The OpenAPI schema and the docs are served without a token; errors are documented as problem details."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_schema_is_openapi_3_with_bearer_tokens_and_problem_details(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.") and schema["info"]["title"] == "Custom Connectors API"
    assert {"type": "http", "scheme": "bearer"}.items() <= schema["components"]["securitySchemes"]["TokenAuth"].items()
    operation = schema["paths"]["/api/v1/connections"]["get"]
    assert operation["security"] == [{"TokenAuth": []}]
    assert list(operation["responses"]["404"]["content"]) == ["application/problem+json"]
    assert list(operation["responses"]["200"]["content"]) == ["application/json"]


def test_the_docs_page_uses_the_packages_assets(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page and "cdn" not in page.lower()
    assert "default-src 'self'" in response["Content-Security-Policy"]


def test_without_a_token_an_operation_is_a_401_problem(client):
    response = client.get("/api/v1/connections")
    assert response.status_code == 401 and response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "Authorization: Bearer" in response.json()["detail"]
