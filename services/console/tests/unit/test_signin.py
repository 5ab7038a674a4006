"""Passwords, the sign-in rate limit, sessions and their expiry, sign-out."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from console import usecases
from console.exceptions import SignInRefused
from console.models import ConsoleSession, SignInRecord

from .conftest import LIMIT, NOW, POLICY

ANA = {
    "id": "staff-ana",
    "name": "Ana Secretaría",
    "roles": ["secretariat"],
    "language": "es",
    "active": True,
}
PASSWORD = "correct horse battery"


@pytest.fixture
def ana(run):
    run(
        usecases.set_password,
        {"staff_id": ANA["id"], "login": " Ana@Sec.example.org ", "password": PASSWORD},
    )
    return ANA


def attempt(run, password, login="ana@sec.example.org", address="10.0.0.1", now=NOW):
    staff_id, refused = run(
        usecases.check_password,
        {"login": login, "password": password, "address": address},
        now=now,
        limit=LIMIT,
    )
    if refused:
        raise SignInRefused(refused)
    return staff_id


def test_a_password_is_stored_as_an_argon2id_hash_and_checked(run, store, ana):
    with store.transaction() as session:
        record = session.get(SignInRecord, ana["id"])
        assert (
            record.password_hash.startswith("$argon2id$") and PASSWORD not in record.password_hash
        )
        assert record.login == "ana@sec.example.org"
    assert attempt(run, PASSWORD, login="ANA@sec.example.org") == ana["id"]
    with pytest.raises(SignInRefused) as refused:
        attempt(run, "wrong password")
    assert refused.value.reason == "wrong"


def test_a_short_password_or_a_login_taken_by_someone_else_is_refused(run, ana):
    with pytest.raises(ValueError):
        run(usecases.set_password, {"staff_id": "x", "login": "x@y.org", "password": "short"})
    with pytest.raises(ValueError):
        run(
            usecases.set_password,
            {"staff_id": "other", "login": "ana@sec.example.org", "password": PASSWORD},
        )


def test_an_unknown_login_is_refused_like_a_wrong_password(run):
    with pytest.raises(SignInRefused) as refused:
        attempt(run, PASSWORD, login="nobody@sec.example.org")
    assert refused.value.reason == "wrong"


def test_five_failures_lock_the_account_even_for_the_right_password_until_the_window_passes(
    run, ana
):
    for n in range(5):
        with pytest.raises(SignInRefused):
            attempt(run, f"guess {n}", address=f"10.0.0.{n}")
    with pytest.raises(SignInRefused) as refused:
        attempt(run, PASSWORD, address="10.9.9.9")
    assert refused.value.reason == "rate_limited"
    assert attempt(run, PASSWORD, now=NOW + LIMIT.window + timedelta(seconds=1)) == ana["id"]


def test_twenty_failures_from_one_address_lock_it_for_every_account(run, ana):
    for n in range(20):
        with pytest.raises(SignInRefused):
            attempt(run, "guess", login=f"user{n}@sec.example.org")
    with pytest.raises(SignInRefused) as refused:
        attempt(run, PASSWORD)
    assert refused.value.reason == "rate_limited"
    assert attempt(run, PASSWORD, address="10.0.0.2") == ana["id"]


def test_a_session_is_stored_by_hash_and_ends_after_idle_time(run, store, ana):
    token, record = run(
        usecases.start_session, {"staff": ana, "address": "10.0.0.1"}, policy=POLICY
    )
    with store.transaction() as session:
        stored = session.scalars(sa.select(ConsoleSession)).one()
        assert stored.token_hash != token and len(stored.csrf_token) >= 32
    later = NOW + timedelta(minutes=59)
    assert run(usecases.open_session, {"token": token}, now=later, policy=POLICY) is not None
    # idle time restarted at the last request
    assert (
        run(
            usecases.open_session,
            {"token": token},
            now=later + timedelta(minutes=59),
            policy=POLICY,
        )
        is not None
    )
    assert (
        run(
            usecases.open_session,
            {"token": token},
            now=later + timedelta(minutes=119),
            policy=POLICY,
        )
        is None
    )
    with store.transaction() as session:
        assert session.scalars(sa.select(ConsoleSession)).first() is None


def test_signing_out_ends_the_session_and_a_forged_token_opens_nothing(run, ana):
    token, _ = run(usecases.start_session, {"staff": ana}, policy=POLICY)
    assert run(usecases.open_session, {"token": token + "x"}, policy=POLICY) is None
    run(usecases.end_session, {"token": token})
    assert run(usecases.open_session, {"token": token}, policy=POLICY) is None


def test_a_member_who_left_or_has_no_role_gets_no_session(run):
    with pytest.raises(SignInRefused):
        run(usecases.start_session, {"staff": {**ANA, "active": False}}, policy=POLICY)
    with pytest.raises(SignInRefused):
        run(usecases.start_session, {"staff": {**ANA, "roles": []}}, policy=POLICY)


def test_refreshed_roles_replace_the_sessions_and_leaving_ends_it(run, ana):
    token, record = run(usecases.start_session, {"staff": ana}, policy=POLICY)
    hashed = usecases.signin.token_hash(token)
    refreshed = run(
        usecases.refresh_person, {"token_hash": hashed, "staff": {**ana, "roles": ["coordinator"]}}
    )
    assert refreshed.roles == ["coordinator"]
    assert (
        run(usecases.refresh_person, {"token_hash": hashed, "staff": {**ana, "active": False}})
        is None
    )
    assert run(usecases.open_session, {"token": token}, policy=POLICY) is None


def test_the_chosen_language_outlives_the_session(run, ana):
    first, _ = run(usecases.start_session, {"staff": ana}, policy=POLICY)
    run(usecases.set_language, {"staff_id": ana["id"], "language": "en"})
    assert run(usecases.open_session, {"token": first}, policy=POLICY).language == "en"
    _, second = run(usecases.start_session, {"staff": ana}, policy=POLICY)
    assert second.language == "en"
    with pytest.raises(ValueError):
        run(usecases.set_language, {"staff_id": ana["id"], "language": "xx"})


def test_a_flash_message_is_shown_once(run, ana):
    token, _ = run(usecases.start_session, {"staff": ana}, policy=POLICY)
    hashed = usecases.signin.token_hash(token)
    run(usecases.set_flash, {"token_hash": hashed, "flash": {"kind": "success", "text": "Done"}})
    assert run(usecases.pop_flash, {"token_hash": hashed})["text"] == "Done"
    assert run(usecases.pop_flash, {"token_hash": hashed}) is None
