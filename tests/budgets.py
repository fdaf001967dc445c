"""Helpers of the query-budget and query-plan tests shared by the apps' suites."""

from collections.abc import Callable

from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from crm.models import User


def api_list_queries(client: APIClient, path: str, expected_rows: int) -> int:
    """The queries of one read of an API list that holds ``expected_rows`` rows (after a read
    that warms the content-type cache like a running server)."""
    client.get(path)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    assert response.json()["count"] == expected_rows
    return len(captured.captured_queries)


def assert_api_list_cost_is_flat(
    user: User, path: str, grow: Callable[[int], None], expected: int
) -> None:
    """The list at ``path`` costs ``expected`` queries as ``user`` with 2 rows and with 12
    (``grow(n)`` adds n rows): a serializer field that asks once per row fails it."""
    client = APIClient()
    client.force_login(user)
    grow(2)
    small = api_list_queries(client, path, 2)
    grow(10)
    large = api_list_queries(client, path, 12)
    assert small == large == expected, (small, large)


def select_plans(run: Callable[[], object]) -> list[tuple[str, str]]:
    """The PostgreSQL plans of the SELECTs ``run()`` makes (their SQL as sent, parameters
    inlined)."""
    with CaptureQueriesContext(connection) as queries:
        run()
    found = []
    with connection.cursor() as cursor:
        for query in queries.captured_queries:
            if query["sql"].startswith("SELECT"):
                cursor.execute(f"EXPLAIN {query['sql']}")
                found.append((query["sql"], "\n".join(row[0] for row in cursor.fetchall())))
    return found
