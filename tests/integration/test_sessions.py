"""Sessions that end, over HTTP against the real app (Flask test client) on SQLite and
PostgreSQL: a session cookie copied before sign-out is refused after it, from any
User-Agent (export, supervisor page and callbacks); a password change, disabling or
removing the account ends its sessions; a sign-in rotates the session id; a forged
"remember me" cookie carrying an ended id gets nowhere."""

from __future__ import annotations

import pytest
from flask_login.utils import encode_cookie

from app import create_app
from dashboard.config import Settings
from dashboard.store.engine import make_engine
from dashboard.store.users import add_user, remove_user, set_disabled, set_password
from tests.integration.test_login_hardening import sign_in, token_of
from tests.supervisor_data import NOW, two_kota
from tests.supervisor_server import PASSWORD, callback_body

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"
OTHER = "curl/8.5.0"


@pytest.fixture
def app(db_url, tmp_path):
    engine = make_engine(db_url)
    two_kota(engine)
    add_user(engine, "sup", PASSWORD, "supervisor")
    add_user(engine, "admin", PASSWORD, "admin")
    app = create_app(Settings.from_env({}, data_dir=tmp_path, database_url=db_url), clock=lambda: NOW)
    app.engine = engine
    yield app
    engine.dispose()


def client(app, agent: str = BROWSER, cookie: str | None = None):
    c = app.server.test_client()
    c.environ_base["HTTP_USER_AGENT"] = agent
    if cookie is not None:
        c.set_cookie("session", cookie)
    return c


def cookie_of(c) -> str | None:
    found = c.get_cookie("session")
    return found.value if found else None


def signed_in_client(app, username: str = "sup"):
    c = client(app)
    r = sign_in(c, username)
    assert r.status_code == 303 and r.headers["Location"] == "/supervisor", r.get_data(as_text=True)
    return c


def export(c):
    return c.get("/supervisor/export.csv")


def exports_data(c) -> bool:
    r = export(c)
    return r.status_code == 200 and r.get_data().count(b"\n") > 1  # a header and rows


def refused(c) -> bool:
    """No data: the export is 401, the page sends to sign-in, the supervisor callbacks 401."""
    r = export(c)
    page = c.get("/supervisor")
    callbacks = [c.post("/_dash-update-component", json=callback_body(dep, {}))
                 for dep in supervisor_callbacks(c)]
    return (r.status_code == 401 and b"," not in r.get_data()
            and page.status_code == 302 and page.headers["Location"].startswith("/login")
            and callbacks and all(cb.status_code == 401 for cb in callbacks))


def supervisor_callbacks(c) -> list[dict]:
    return [dep for dep in c.get("/_dash-dependencies").get_json() if "supervisor-" in dep["output"]]


def logout(c):
    r = c.post("/logout", data={"csrf_token": session_value(c, "_csrf")})
    assert r.status_code == 303
    return r


def session_value(c, key: str):
    with c.session_transaction() as s:
        return s.get(key)


# --- sign-out ----------------------------------------------------------------------------
def test_a_cookie_copied_before_sign_out_is_refused_after_it(app):
    c = signed_in_client(app)
    copied = cookie_of(c)
    thief = client(app, OTHER, copied)
    assert exports_data(c) and exports_data(thief)  # the copy works while the session lives
    logout(c)
    assert refused(thief)  # another User-Agent
    assert refused(client(app, BROWSER, copied))  # the same one
    assert refused(c)


def test_a_forged_remember_cookie_with_an_ended_id_is_refused(app):
    c = signed_in_client(app)
    session_id = session_value(c, "_user_id")
    logout(c)
    forged = client(app, OTHER)
    with app.server.test_request_context():
        forged.set_cookie("remember_token", encode_cookie(session_id))
    assert refused(forged)


# --- the account changes -----------------------------------------------------------------
@pytest.mark.parametrize("change", ["password", "disable", "remove"])
def test_changing_the_account_ends_its_sessions(app, change):
    phone, laptop = signed_in_client(app), signed_in_client(app)
    other = signed_in_client(app, "admin")
    assert exports_data(phone) and exports_data(laptop)
    if change == "password":
        assert set_password(app.engine, "sup", "baru-rahasia-9")
    elif change == "disable":
        assert set_disabled(app.engine, "sup")
    else:
        assert remove_user(app.engine, "sup")
    assert refused(phone) and refused(laptop)
    assert exports_data(other)  # another account's session lives on
    if change == "password":  # the new password signs in; the old one no more
        assert sign_in(client(app), "sup", PASSWORD).headers["Location"].startswith("/login?error=1")
        assert exports_data(signed_in_client_with(app, "sup", "baru-rahasia-9"))


def signed_in_client_with(app, username: str, password: str):
    c = client(app)
    assert sign_in(c, username, password).headers["Location"] == "/supervisor"
    return c


# --- rotation ----------------------------------------------------------------------------
def test_sign_in_rotates_the_session_id(app):
    c = client(app)
    token = token_of(c)  # the anonymous session (CSRF token only)
    before = cookie_of(c)
    assert sign_in(c, "sup", token=token).status_code == 303
    first, first_id = cookie_of(c), session_value(c, "_user_id")
    assert first != before and first_id
    assert refused(client(app, BROWSER, before))  # the pre-sign-in cookie signs no one in

    assert sign_in(c, "sup").status_code == 303  # signing in again while signed in
    assert session_value(c, "_user_id") not in (None, first_id)
    assert refused(client(app, BROWSER, first)) and exports_data(c)
