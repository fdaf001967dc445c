"""``crm.security``: the one function that writes the security log."""

import pytest
from django.test import RequestFactory

from crm.models import SecurityEvent
from crm.security import client_address, security_event_record


def test_an_event_takes_the_signed_in_user_ip_and_client_from_the_request(officer):
    request = RequestFactory().get("/", REMOTE_ADDR="10.1.2.3", HTTP_USER_AGENT="Firefox")
    request.user = officer
    event = security_event_record(kind=SecurityEvent.Kind.EXPORT, request=request, target="线索")
    assert (event.actor, event.username, event.ip_address) == (officer, "officer", "10.1.2.3")
    assert (event.user_agent, event.target) == ("Firefox", "线索")


def test_long_texts_are_cut_to_their_columns_never_an_error(db):
    request = RequestFactory().get("/", HTTP_USER_AGENT="A" * 1000)
    request.user = type("Anonymous", (), {"is_authenticated": False})()
    event = security_event_record(
        kind=SecurityEvent.Kind.LOGIN_FAILED, request=request, username="u" * 500, target="t" * 500
    )
    event.refresh_from_db()
    assert (len(event.user_agent), len(event.username), len(event.target)) == (300, 150, 200)
    assert event.actor is None


@pytest.mark.parametrize(("trust_proxy", "expected"), [(False, "127.0.0.1"), (True, "203.0.113.9")])
def test_the_forwarded_address_counts_only_behind_a_trusted_proxy(settings, trust_proxy, expected):
    settings.USE_X_FORWARDED_FOR = trust_proxy
    request = RequestFactory().get(
        "/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9, 10.0.0.1"
    )
    assert client_address(request) == expected


def test_nul_characters_are_dropped_so_any_request_can_be_logged(officer):
    """PostgreSQL's text and JSON types cannot hold NUL; a probing request must still be logged."""
    event = security_event_record(
        kind=SecurityEvent.Kind.EXPORT,
        actor=officer,
        target="线\x00索",
        details={"query": {"industry": ["\x00rice"]}, "rows": 3},
    )
    event.refresh_from_db()
    assert event.target == "线索"
    assert event.details == {"query": {"industry": ["rice"]}, "rows": 3}
