"""Who may read the report: the coordination office and the board (no object)."""

import pytest
import rules

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("make_user", "allowed"),
    [
        (factories.coordinator, True),
        (factories.board_member, True),
        (factories.reviewer, False),
        (factories.applicant, False),
        (factories.UserFactory, False),
    ],
)
def test_view_report(make_user, allowed):
    assert rules.has_perm("reporting.view_report", make_user()) is allowed


def test_a_superuser_has_no_report_by_being_one():
    user = factories.UserFactory(is_superuser=True)
    assert rules.has_perm("reporting.view_report", user) is False
