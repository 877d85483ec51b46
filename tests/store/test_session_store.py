"""Server-side sign-in sessions, on SQLite and PostgreSQL: a session resolves to its
account until it expires or is ended; a password change, disabling or removing the
account ends all of its sessions; only the id's hash is stored."""

from datetime import timedelta

from sqlalchemy import func, select

from dashboard.store.schema import web_session
from dashboard.store.sessions import end_session, session_user, start_session
from dashboard.store.users import add_user, remove_user, set_disabled, set_password
from tests.conftest import NOW


def sessions(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(web_session)).scalar_one()


def test_a_session_resolves_to_its_account_until_it_expires(engine):
    ani = add_user(engine, "ani", "rahasia-123", "supervisor", scope="kota:31.71")
    sid = start_session(engine, ani.id, hours=8, now=NOW)
    user = session_user(engine, sid, now=NOW + timedelta(hours=7, minutes=59))
    assert user == ani and user.session_id == sid and user.get_id() == sid
    assert session_user(engine, sid, now=NOW + timedelta(hours=8)) is None


def test_only_the_hash_of_the_id_is_stored(engine):
    ani = add_user(engine, "ani", "rahasia-123", "admin")
    sid = start_session(engine, ani.id, hours=8, now=NOW)
    with engine.connect() as conn:
        stored = conn.execute(select(web_session.c.id_hash)).scalar_one()
    assert sid not in stored and len(stored) == 64
    assert session_user(engine, stored, now=NOW) is None  # the hash is not a key


def test_unknown_and_garbage_ids_are_refused(engine):
    add_user(engine, "ani", "rahasia-123", "admin")
    for sid in (None, "", 1, "1", "x" * 5000, "1' OR '1'='1"):
        assert session_user(engine, sid, now=NOW) is None
    end_session(engine, None)  # nothing to end, no error


def test_ending_one_session_leaves_the_others(engine):
    ani = add_user(engine, "ani", "rahasia-123", "admin")
    phone, laptop = start_session(engine, ani.id, 8, NOW), start_session(engine, ani.id, 8, NOW)
    assert phone != laptop
    end_session(engine, phone)
    assert session_user(engine, phone, now=NOW) is None
    assert session_user(engine, laptop, now=NOW) == ani


def test_password_change_ends_every_session_of_the_account_only(engine):
    ani = add_user(engine, "ani", "rahasia-123", "admin")
    budi = add_user(engine, "budi", "rahasia-123", "supervisor")
    mine = [start_session(engine, ani.id, 8, NOW) for _ in range(3)]
    theirs = start_session(engine, budi.id, 8, NOW)
    assert set_password(engine, "ANI", "baru-rahasia-9") is True
    assert all(session_user(engine, sid, now=NOW) is None for sid in mine)
    assert session_user(engine, theirs, now=NOW) == budi
    assert set_password(engine, "nobody", "baru-rahasia-9") is False


def test_disabling_ends_sessions_and_enabling_does_not_revive_them(engine):
    ani = add_user(engine, "ani", "rahasia-123", "admin")
    sid = start_session(engine, ani.id, 8, NOW)
    assert set_disabled(engine, "ani") is True
    assert session_user(engine, sid, now=NOW) is None and sessions(engine) == 0
    assert set_disabled(engine, "ani", disabled=False) is True
    assert session_user(engine, sid, now=NOW) is None
    assert session_user(engine, start_session(engine, ani.id, 8, NOW), now=NOW) == ani
    assert set_disabled(engine, "nobody") is False


def test_removing_the_account_ends_its_sessions(engine):
    ani = add_user(engine, "ani", "rahasia-123", "admin")
    sid = start_session(engine, ani.id, 8, NOW)
    assert remove_user(engine, "ani") is True
    assert session_user(engine, sid, now=NOW) is None and sessions(engine) == 0
    add_user(engine, "ani", "rahasia-123", "admin")  # a new account of the same name
    assert session_user(engine, sid, now=NOW) is None


def test_a_sign_in_deletes_expired_sessions(engine):
    ani = add_user(engine, "ani", "rahasia-123", "admin")
    start_session(engine, ani.id, 8, NOW - timedelta(hours=20))
    start_session(engine, ani.id, 8, NOW - timedelta(hours=10))  # deletes the first: expired
    live = start_session(engine, ani.id, 8, NOW - timedelta(hours=3))
    assert sessions(engine) == 2  # the 10 h old one was still live 3 h ago
    start_session(engine, ani.id, 8, NOW)
    assert sessions(engine) == 2 and session_user(engine, live, now=NOW) == ani
