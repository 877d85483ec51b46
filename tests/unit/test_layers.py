"""The layers the code states, enforced by walking the production source with ``ast``.

Production source: ``dashboard/``, ``callbacks/``, ``layouts/`` and ``app.py``. Module names
are dotted paths from the repository root (``dashboard/store/users.py`` is
``dashboard.store.users``, a package is its ``__init__.py``).

1. **SQL only in** ``dashboard/store/`` (``migrations/`` is not production source and may
   hold SQL too). Everywhere else:

   * from SQLAlchemy only these may be imported: the types ``Engine`` and ``Connection``
     (from ``sqlalchemy`` or ``sqlalchemy.engine``), URL parsing (``sqlalchemy.engine.make_url``)
     and anything from ``sqlalchemy.exc`` (to catch a store outage). ``import sqlalchemy``
     (the whole namespace), statement builders (``select``, ``insert``, ``update``,
     ``delete``, ``text``, ``func``, ...), dialects, schema objects and ``create_engine``
     are refused;
   * no call ``<x>.execute(...)``, ``<x>.exec_driver_sql(...)``, ``<x>.scalar(...)`` or
     ``<x>.scalars(...)`` with at least one positional argument (a statement). Zero-argument
     calls stay allowed: a Redis pipeline's ``pipe.execute()``, a result's ``.scalar()``.
     Opening a connection or a transaction (``engine.connect()``, ``engine.begin()``) and
     passing it to a store function is allowed: the caller owns the transaction.
2. **No web framework in the domain**: no module in ``dashboard/`` imports ``dash``,
   ``dash_*`` (``dash_leaflet``, ``dash_ag_grid``, ...), ``flask``, ``flask_*`` or ``plotly``.
3. **No import cycles** among production modules. The graph has an edge ``a -> b`` for
   every ``import b`` / ``from b import x`` in ``a``, at any depth (a function-level import
   is still an edge, so a cycle cannot hide behind one), except under ``if TYPE_CHECKING:``.
   ``from p import x`` is an edge to ``p.x`` when that is a module, else to ``p``; an import
   of ``p.q`` is not an edge to its parent package ``p`` (a package may import its own
   submodules).
4. **Function-level imports say why**: an ``import`` inside a function carries a comment on
   one of its lines (e.g. ``# optional: only the bench needs it``).
"""

from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = ("dashboard", "callbacks", "layouts", "app.py")
STORE = "dashboard.store"
SQLALCHEMY_ALLOWED = {
    "sqlalchemy": {"Engine", "Connection"},
    "sqlalchemy.engine": {"Engine", "Connection", "make_url"},
}
SQL_CALLS = {"execute", "exec_driver_sql", "scalar", "scalars"}
WEB_PACKAGES = ("dash", "flask", "plotly")  # and every dash_* / flask_* package


# --- the source ---------------------------------------------------------------------------
def modules(root: Path) -> dict[str, Path]:
    """Production module name -> file."""
    found: dict[str, Path] = {}
    for top in PRODUCTION:
        path = root / top
        files = [path] if path.suffix == ".py" else sorted(path.rglob("*.py"))
        for file in files:
            if not file.exists():
                continue
            parts = list(file.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = file
    return found


def _in(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def _imports(tree: ast.Module) -> list[tuple[ast.Import | ast.ImportFrom, bool]]:
    """Every import statement outside ``if TYPE_CHECKING:``, with whether it is inside a function."""
    out: list[tuple[ast.Import | ast.ImportFrom, bool]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                for orelse in child.orelse:
                    visit_one(orelse, in_function)
                continue
            visit_one(child, in_function)

    def visit_one(child: ast.AST, in_function: bool) -> None:
        if isinstance(child, (ast.Import, ast.ImportFrom)):
            out.append((child, in_function))
        visit(child, in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)))

    visit(tree, False)
    return out


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The module an ``ImportFrom`` names, relative imports resolved."""
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _parse(file: Path) -> ast.Module:
    return ast.parse(file.read_text(encoding="utf-8"), filename=str(file))


# --- the checks (each returns its findings, one readable line each) ------------------------
def sql_outside_store(root: Path) -> list[str]:
    found = []
    for name, file in modules(root).items():
        if _in(name, STORE):
            continue
        tree = _parse(file)
        for node, _in_function in _imports(tree):
            if isinstance(node, ast.Import):
                found += [f"{name}:{node.lineno} import {a.name}" for a in node.names if _in(a.name, "sqlalchemy")]
                continue
            source = _absolute(node, name, file.name == "__init__.py")
            if not _in(source, "sqlalchemy") or _in(source, "sqlalchemy.exc"):
                continue
            allowed = SQLALCHEMY_ALLOWED.get(source, set())
            found += [f"{name}:{node.lineno} from {source} import {a.name}"
                      for a in node.names if a.name not in allowed]
        for call in ast.walk(tree):
            if (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                    and call.func.attr in SQL_CALLS and call.args):
                found.append(f"{name}:{call.lineno} .{call.func.attr}(...) runs a statement")
    return found


def web_in_domain(root: Path) -> list[str]:
    found = []
    for name, file in modules(root).items():
        if not _in(name, "dashboard"):
            continue
        for node, _in_function in _imports(_parse(file)):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif node.level:
                continue
            else:
                targets = [node.module or ""]
            for target in targets:
                top = target.split(".")[0]
                if top in WEB_PACKAGES or top.startswith(("dash_", "flask_")):
                    found.append(f"{name}:{node.lineno} imports {target}")
    return found


def import_graph(root: Path) -> dict[str, set[str]]:
    mods = modules(root)
    graph: dict[str, set[str]] = {}
    for name, file in mods.items():
        edges: set[str] = set()
        for node, _in_function in _imports(_parse(file)):
            if isinstance(node, ast.Import):
                edges |= {a.name for a in node.names if a.name in mods}
                continue
            source = _absolute(node, name, file.name == "__init__.py")
            for alias in node.names:
                if f"{source}.{alias.name}" in mods:
                    edges.add(f"{source}.{alias.name}")
                elif source in mods:
                    edges.add(source)
        graph[name] = edges - {name}
    return graph


def import_cycles(root: Path) -> list[list[str]]:
    """One cycle per strongly connected component of the import graph, as a closed path
    (``[a, b, a]``)."""
    graph = import_graph(root)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []

    def connect(v: str) -> None:  # Tarjan; the graph has ~150 nodes, recursion is fine
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                components.append(component)

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return [_cycle_in(graph, component) for component in components]


def _cycle_in(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    """A shortest cycle through the component's first module (breadth-first)."""
    start = min(component)
    paths = {start: [start]}
    queue = [start]
    while queue:
        v = queue.pop(0)
        for w in sorted(graph[v] & component):
            if w == start:
                return paths[v] + [start]
            if w not in paths:
                paths[w] = paths[v] + [w]
                queue.append(w)
    raise AssertionError(f"no cycle through {start}")  # pragma: no cover - a component has one


def unexplained_function_imports(root: Path) -> list[str]:
    found = []
    for name, file in modules(root).items():
        text = file.read_text(encoding="utf-8")
        commented = {tok.start[0] for tok in tokenize.generate_tokens(io.StringIO(text).readline)
                     if tok.type == tokenize.COMMENT}
        for node, in_function in _imports(ast.parse(text)):
            if in_function and not commented & set(range(node.lineno, node.end_lineno + 1)):
                found.append(f"{name}:{node.lineno} {ast.unparse(node)}")
    return found


# --- the project keeps them ---------------------------------------------------------------
def test_sql_only_in_the_store():
    assert sql_outside_store(ROOT) == []


def test_no_web_framework_in_the_domain():
    assert web_in_domain(ROOT) == []


def test_no_import_cycles():
    assert import_cycles(ROOT) == []


def test_function_level_imports_say_why():
    assert unexplained_function_imports(ROOT) == []


def test_the_walk_sees_the_whole_project():
    mods = modules(ROOT)
    assert {"app", "callbacks", "callbacks.supervisor", "layouts.ids", "dashboard.store.users",
            "dashboard.processes.worker"} <= set(mods)
    graph = import_graph(ROOT)
    assert "dashboard.store.users" in graph["dashboard.store.sessions"]  # from dashboard.store.users import ...
    assert "callbacks.supervisor_routes" in graph["callbacks.supervisor"]  # from callbacks import supervisor_routes


# --- each check can fail: a tiny synthetic project ------------------------------------------
def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for package in ("dashboard", "dashboard/store", "callbacks", "layouts"):
        (tmp_path / package).mkdir(parents=True, exist_ok=True)
        (tmp_path / package / "__init__.py").touch()
    return tmp_path


def test_sql_check_flags_builders_and_statements_outside_the_store(tmp_path):
    root = _tree(tmp_path, {
        "dashboard/store/reads.py": "from sqlalchemy import select, text\n"
                                    "def n(conn):\n    return conn.execute(select(1)).scalar()\n",
        "dashboard/leader.py": "from sqlalchemy import Engine, text\nfrom sqlalchemy.exc import SQLAlchemyError\n"
                               "def f(conn):\n    conn.execute(text('SELECT 1'))\n",
        "dashboard/ok.py": "from sqlalchemy import Connection, Engine\nfrom sqlalchemy.engine import make_url\n"
                           "def f(pipe, result):\n    pipe.execute()\n    return result.scalar()\n",
        "callbacks/view.py": "import sqlalchemy as sa\ndef f(conn):\n    return conn.exec_driver_sql('VACUUM')\n",
        "layouts/grid.py": "def f():\n    from sqlalchemy.dialects import sqlite  # why\n    return sqlite\n",
        "app.py": "def f(conn, q):\n    return conn.scalars(q)\n",
    })
    assert sorted(sql_outside_store(root)) == [
        "app:2 .scalars(...) runs a statement",
        "callbacks.view:1 import sqlalchemy",
        "callbacks.view:3 .exec_driver_sql(...) runs a statement",
        "dashboard.leader:1 from sqlalchemy import text",
        "dashboard.leader:4 .execute(...) runs a statement",
        "layouts.grid:2 from sqlalchemy.dialects import sqlite",
    ]


def test_web_check_flags_dash_and_flask_in_the_domain_only(tmp_path):
    root = _tree(tmp_path, {
        "dashboard/view.py": "import dash_leaflet as dl\nfrom flask import abort\n",
        "dashboard/figure.py": "def f():\n    import plotly.graph_objects as go  # lazy\n"
                               "    from dash import html  # x\n",
        "dashboard/fine.py": "import dashboard_extra\nfrom werkzeug.security import generate_password_hash\n",
        "callbacks/view.py": "from dash import Input\nfrom flask_login import current_user\n",
    })
    assert sorted(web_in_domain(root)) == [
        "dashboard.figure:2 imports plotly.graph_objects", "dashboard.figure:3 imports dash",
        "dashboard.view:1 imports dash_leaflet", "dashboard.view:2 imports flask",
    ]


def test_cycle_check_finds_a_cycle_even_behind_a_function_level_import(tmp_path):
    root = _tree(tmp_path, {
        "dashboard/a.py": "from dashboard import b\n",
        "dashboard/b.py": "import dashboard.c\n",
        "dashboard/c.py": "def f():\n    from dashboard.a import x  # hidden\n    return x\n",
        "callbacks/__init__.py": "from callbacks import view\n",  # a package importing its module: no cycle
        "callbacks/view.py": "from callbacks.deps import Deps\nfrom . import deps\n",
        "callbacks/deps.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from callbacks.view import V\n",
    })
    assert import_cycles(root) == [["dashboard.a", "dashboard.b", "dashboard.c", "dashboard.a"]]
    (root / "dashboard/c.py").write_text("X = 1\n")
    assert import_cycles(root) == []
    (root / "callbacks/deps.py").write_text("from .view import V\n")  # relative imports count
    assert import_cycles(root) == [["callbacks.deps", "callbacks.view", "callbacks.deps"]]


def test_function_import_check_wants_a_comment_on_the_import(tmp_path):
    root = _tree(tmp_path, {
        "dashboard/cli.py": "import os\n"
                            "def fast():\n    import numpy  # heavy: only this sub-command needs it\n"
                            "def hidden():\n    # a comment above is not on the line\n    import json\n"
                            "def string():\n    import csv; x = '# not a comment'\n"
                            "class K:\n    def m(self):\n"
                            "        from dashboard import (\n            cli,  # why\n        )\n",
        "layouts/x.py": "try:\n    import ujson\nexcept ImportError:\n    ujson = None\n",
    })
    assert unexplained_function_imports(root) == ["dashboard.cli:6 import json", "dashboard.cli:8 import csv"]
