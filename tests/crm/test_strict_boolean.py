"""Yes / no filters read what was sent: ``1`` is yes, ``maybe`` is an error, not "either"."""

import pytest

from leads.filters import LeadFilterSet
from leads.models import Lead


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("sent", "valid", "value"),
    [
        ("true", True, True),
        ("1", True, True),
        ("0", True, False),
        ("false", True, False),
        ("", True, None),
        ("maybe", False, None),
    ],
)
def test_overdue_reads_the_value_sent(sent, valid, value):
    filterset = LeadFilterSet({"overdue": sent}, queryset=Lead.objects.none())
    assert filterset.is_valid() is valid
    if valid:
        assert filterset.form.cleaned_data["overdue"] is value
