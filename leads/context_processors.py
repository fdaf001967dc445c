"""Template context of the approvals queue on every page (registered in settings)."""

from functools import cached_property

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest

from crm.access import approves_for_any
from crm.models import User
from leads.models import ApprovalRequest
from leads.selectors import approval_queue, approvals_waiting_count

# How many waiting requests the work page lists; the queue has the rest.
WAITING_SHOWN = 5


class ApprovalsBadge:
    """``approvals.can_decide``, ``approvals.count`` (requests waiting for the user's decision)
    and ``approvals.waiting``, computed only when a template reads them, once per request."""

    def __init__(self, user: User) -> None:
        self.user = user

    @cached_property
    def can_decide(self) -> bool:
        return approves_for_any(self.user)

    @cached_property
    def count(self) -> int:
        return approvals_waiting_count(user=self.user) if self.can_decide else 0

    @cached_property
    def waiting(self) -> list[ApprovalRequest]:
        """The longest-waiting requests (the work page's section)."""
        if not self.can_decide:
            return []
        return list(approval_queue(user=self.user).qs[:WAITING_SHOWN])


def approvals(request: HttpRequest) -> dict:
    # An error page may be rendered before the authentication middleware has run.
    return {"approvals": ApprovalsBadge(getattr(request, "user", None) or AnonymousUser())}
