"""The API against its own OpenAPI schema: schemathesis fuzzes every operation in-process.

Two runs, as an officer and as a bureau leader, over a small seeded bureau. Every response must
be no server error, a status the operation documents, of the documented content type and in
the documented shape. Examples are derandomized, so a run is the same every time; the whole
run happens inside the test's transaction, which is rolled back at the end.
"""

from collections.abc import Iterator
from decimal import Decimal

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from crm.models import ApiToken, ChainLink, Channel, Industry, Notice, Region, User
from crm.tokens import token_create
from leads.models import ApprovalRequest
from projects.models import SupportApplication
from tests.factories import (
    FollowUpFactory,
    LeadFactory,
    TargetEnterpriseFactory,
    make_credit_code,
)
from tests.projects.conftest import ProjectFactory, TargetFactory

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
MAX_EXAMPLES = 25


class Tokens:
    """A live token of one user, and a new one once the fuzzer has revoked it (``revoke/``)."""

    def __init__(self, user: User) -> None:
        self.user = user
        self.token: ApiToken | None = None
        self.key = ""

    def header(self) -> dict[str, str]:
        if (
            self.token is None
            or not ApiToken.objects.filter(pk=self.token.pk, revoked_at__isnull=True).exists()
        ):
            self.token, self.key = token_create(user=self.user, name="schemathesis")
        return {"Authorization": f"Token {self.key}"}


@pytest.fixture
def seeded(officer, leader, bureau_leader, task_force) -> dict[str, list]:
    """Leads, follow-ups, projects (one under a target) and an application both users see.

    Returns the ids of each resource and, per input field, values that exist.
    """
    leads = [
        LeadFactory(owner=officer, task_force=task_force, credit_code=make_credit_code(serial))
        for serial in range(3)
    ]
    FollowUpFactory(lead=leads[0], created_by=officer)
    TargetFactory()
    projects = [
        ProjectFactory(owner=officer, task_force=task_force, leader=leader),
        ProjectFactory(owner=officer, task_force=task_force, status="signed", signed_amount=100),
    ]
    application = SupportApplication.objects.create(
        title="灌区专项债",
        fund_source="special_bonds",
        amount_requested=Decimal(1000),
        owner=officer,
        task_force=task_force,
        status_changed_on=timezone.localdate(),
        created_by=officer,
    )
    application.projects.set(projects)
    # A lead ready for dock but for the leader's approval, asked for: the queue's one request.
    waiting = LeadFactory(
        owner=officer,
        task_force=task_force,
        stage="screen",
        rating="A",
        credit_code=make_credit_code(3),
        due_diligence_note="已核实",
    )
    approval = ApprovalRequest.objects.create(lead=waiting, requested_by=officer, note="请审批")
    return {
        "leads": [lead.pk for lead in leads],
        "approvals": [approval.pk],
        "projects": [project.pk for project in projects],
        "support-applications": [application.pk],
        "targets": [
            TargetEnterpriseFactory(owner=officer, task_force=task_force).pk,
            TargetEnterpriseFactory(owner=officer, task_force=task_force).pk,
        ],
        # The officer's notice (the bureau leader's token is told 404 for it, as documented).
        "notices": [
            Notice.objects.create(
                recipient=officer, kind="task", title="新任务", url="/", ref="tasks:1"
            ).pk
        ],
        "fields": {
            "industry": list(Industry.objects.values_list("code", flat=True)[:3]),
            "channel": list(Channel.objects.values_list("code", flat=True)[:3]),
            "region": list(Region.objects.values_list("code", flat=True)[:3]),
            "chain_link": list(ChainLink.objects.values_list("code", flat=True)[:3]),
            "owner": [officer.pk, leader.pk],
            "leader": [leader.pk],
            "task_force": [task_force.pk],
            "projects": [[project.pk] for project in projects],
            "credit_code": [make_credit_code(serial) for serial in range(100, 110)],
        },
    }


@pytest.fixture
def wsgi_app() -> Iterator[WSGIHandler]:
    """Django's WSGI application, sharing the test's connection and transaction.

    Django closes the connection around each request; here that would end the test's
    transaction, so (as Django's test client does) that handler is off during the run.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture(params=["officer", "bureau_leader"])
def tokens(request, seeded) -> Tokens:
    return Tokens(request.getfixturevalue(request.param))


@pytest.fixture
def api_schema(wsgi_app, tokens, seeded):
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", wsgi_app, headers=tokens.header())

    @schema.hook
    def flatmap_body(context, body):
        # Random codes and ids never exist either: the generated phase puts existing ones in
        # the body, so writes get past the lookups (the coverage phase sends unknown ones).
        if not isinstance(body, dict):
            return st.just(body)
        known = {
            key: st.sampled_from(values)
            for key, values in seeded["fields"].items()
            if key in body and values
        }
        return st.fixed_dictionaries(known).map(lambda chosen: {**body, **chosen})

    return schema


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case, tokens, seeded):
    # A random id almost never exists: every id that could be one names a seeded row instead, so
    # the bodies reach validation and the services; negative and malformed ids still answer 404.
    pk = (case.path_parameters or {}).get("id")
    rows = seeded.get(case.operation.path.removeprefix("/api/v1/").split("/")[0])
    if rows and isinstance(pk, int) and not isinstance(pk, bool) and pk >= 0:
        case.path_parameters["id"] = rows[pk % len(rows)]
    case.call_and_validate(headers=tokens.header(), checks=CHECKS)
