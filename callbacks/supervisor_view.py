"""The signed-in supervisor's validated, scoped view: what every supervisor callback
(``callbacks.supervisor``) and route (``callbacks.supervisor_routes``) starts from.

:func:`current_view` requires a signed-in supervisor (401/403 otherwise), parses the URL
filter state against the values *this account* may use (400 for anything else) and builds
the scoped :class:`View` every read goes through.
"""

from __future__ import annotations

from flask import abort

from callbacks.auth import require_supervisor
from callbacks.deps import Deps
from dashboard.access.auth import User
from dashboard.store.view import View
from dashboard.supervisor.filters import Allowed, FilterError, allowed_for, parse


def allowed_of(deps: Deps, user: User) -> Allowed:
    scope = user.effective_scope
    return allowed_for(deps.ref, scope.kind.value if scope else None, scope.code if scope else None)


def current_view(deps: Deps, query: object) -> tuple[User, View]:
    """The signed-in supervisor and their validated, scoped view (aborts 401/403/400)."""
    user = require_supervisor()
    if not isinstance(query, str):
        abort(400)
    try:
        filters = parse(query, allowed_of(deps, user))
    except FilterError:
        abort(400)
    return user, View(filters, user.effective_scope, deps.now(), deps.settings.zone)
