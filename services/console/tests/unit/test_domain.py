"""Who may do what, when sessions end, when sign-in is refused, safe redirects."""

from datetime import UTC, datetime, timedelta

import pytest
from console import domain

from .conftest import LIMIT, POLICY

T0 = datetime(2027, 10, 20, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("action", ["publish_schedule", "confirm_selection"])
def test_only_a_coordinator_publishes_a_schedule_or_confirms_a_selection(action):
    assert domain.may(["coordinator"], action)
    assert not domain.may(["secretariat"], action)
    assert not domain.may(["secretariat", "funder_liaison"], action)


def test_every_staff_role_reads_but_liaisons_change_no_workshop():
    for role in domain.STAFF:
        assert domain.may([role], "read")
    assert not domain.may(["focal_point_liaison"], "edit_workshop")
    assert domain.may(["secretariat"], "edit_workshop")
    assert not domain.may([], "read") and not domain.may(["coordinator"], "no_such_action")


def test_a_session_ends_after_idle_time_and_never_outlives_its_lifetime():
    assert POLICY.expires_at(T0, T0) == T0 + timedelta(minutes=60)
    late = T0 + timedelta(hours=11, minutes=30)
    assert POLICY.expires_at(T0, late) == T0 + timedelta(hours=12)
    assert POLICY.roles_stale(T0, T0 + timedelta(minutes=5))
    assert not POLICY.roles_stale(T0, T0 + timedelta(minutes=4))


def test_sign_in_is_refused_at_the_limit_per_account_or_per_address():
    assert not LIMIT.refused(account_failures=4, address_failures=19)
    assert LIMIT.refused(account_failures=5, address_failures=0)
    assert LIMIT.refused(account_failures=0, address_failures=20)


@pytest.mark.parametrize(
    "target, expected",
    [
        ("/workshops/1/rounds", "/workshops/1/rounds"),
        ("/mail?status=failed", "/mail?status=failed"),
        ("//evil.example/x", "/workshops"),
        ("https://evil.example/", "/workshops"),
        ("/\\evil.example", "/workshops"),
        ("javascript:alert(1)", "/workshops"),
        ("", "/workshops"),
        (None, "/workshops"),
    ],
)
def test_after_sign_in_only_a_path_of_this_site_is_followed(target, expected):
    assert domain.safe_next(target) == expected


def test_csrf_tokens_compare_only_when_both_exist_and_match():
    assert domain.same_token("abc", "abc")
    assert not domain.same_token("abc", "abd")
    assert not domain.same_token("abc", None) and not domain.same_token(None, None)
    assert not domain.same_token("", "")


def test_an_activity_offers_only_the_moves_its_state_allows():
    assert domain.allowed_moves("proposed") == ("under_review", "withdrawn")
    assert domain.allowed_moves("evaluated") == ()
    assert domain.allowed_moves("nonsense") == ()


def test_the_console_lifecycle_is_followups_lifecycle():
    """The gateway redefines followup's table: they must not drift apart."""
    followup = pytest.importorskip("followup.domain")
    assert domain.ACTIVITY_MOVES == {
        state: tuple(moves) for state, moves in followup.TRANSITIONS.items()
    }
