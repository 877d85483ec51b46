"""Every component id of the views, defined once (``<view>-<thing>``, kebab case), one
section per view. Layouts and callbacks use these names, never the strings; a family of
ids (one KPI tile per key) is ``child(<prefix>, key)``."""

# shell
URL = "url"
PAGE = "page"


def child(prefix: str, key: str) -> str:
    """One member of an id family: ``<prefix>-<key>`` (``child(WALL_KPI_PREFIX, "open")``).
    The ``*_PREFIX`` names are prefixes, not ids."""
    return f"{prefix}-{key}"


# wall: plumbing
WALL_PREFIX = "wall-"  # every wall id starts so (callbacks.guards tells the wall's callbacks by it)
WALL_ROOT = "wall-root"
WALL_TICK = "wall-tick"
WALL_VERSION = "wall-version"
WALL_VIEWS = "wall-views"
WALL_VIEWPORT = "wall-viewport"
WALL_QUERY = "wall-query"
WALL_FRESHNESS = "wall-freshness"

# wall: header
WALL_CLOCK = "wall-clock"
WALL_DATA_AS_OF = "wall-data-as-of"
WALL_BADGE = "wall-badge"
WALL_FOCUS_LABEL = "wall-focus-label"
WALL_FLOOD = "wall-flood"
WALL_STALE = "wall-stale"
WALL_OFFLINE = "wall-offline"
WALL_HEAD = "wall-head"

# wall: panels
WALL_MAP_PANEL = "wall-map-panel"
WALL_MAP = "wall-map"
WALL_MAP_LEGEND = "wall-map-legend"
WALL_POINTS = "wall-points"
WALL_AREAS = "wall-areas"
WALL_KOTA = "wall-kota"
WALL_STATS = "wall-stats"
WALL_KPIS = "wall-kpis"
WALL_KPI_PREFIX = "wall-kpi"  # child(WALL_KPI_PREFIX, key): one per KPI tile
WALL_STATUS_FIG = "wall-status-fig"
WALL_BACKLOG_FIG = "wall-backlog-fig"
WALL_FLOW_FIG = "wall-flow-fig"
WALL_CITY = "wall-city"
WALL_FOCUS = "wall-focus"
WALL_FOCUS_BAR = "wall-focus-bar"
WALL_FOCUS_KPIS = "wall-focus-kpis"
WALL_FOCUS_KPI_PREFIX = "wall-focus-kpi"  # child(WALL_FOCUS_KPI_PREFIX, key)
WALL_ROTATE = "wall-rotate"
WALL_AGENCIES = "wall-agencies"
WALL_AGENCY_FIG = "wall-agency-fig"
WALL_BOARD_PANEL = "wall-board-panel"
WALL_BOARD = "wall-board"
WALL_GATES_PANEL = "wall-gates-panel"
WALL_GATES = "wall-gates"
WALL_TICKER_PANEL = "wall-ticker-panel"
WALL_TICKER = "wall-ticker"

#: The panels that tile the wall (tests check they render and never overlap).
WALL_PANELS = (WALL_MAP_PANEL, WALL_STATS, WALL_FOCUS, WALL_AGENCIES, WALL_BOARD, WALL_GATES, WALL_TICKER)
#: Their scope labels: the city frame's and the focus zone's (never covered by a banner).
WALL_SCOPES = (WALL_CITY, WALL_FOCUS_LABEL)

# index
INDEX_ROOT = "index-root"
INDEX_COUNTS = "index-counts"
INDEX_TICK = "index-tick"

# login
LOGIN_ROOT = "login-root"
LOGIN_FORM = "login-form"
LOGIN_ERROR = "login-error"
LOGIN_CSRF = "login-csrf"
LOGIN_USERNAME = "login-username"
LOGIN_PASSWORD = "login-password"
LOGIN_SUBMIT = "login-submit"

# visitor
VISITOR_ROOT = "visitor-root"
VISITOR_TICK = "visitor-tick"
VISITOR_QUERY = "visitor-query"
VISITOR_STAGE = "visitor-stage"
VISITOR_SCENE_PREFIX = "visitor-scene"  # child(VISITOR_SCENE_PREFIX, scene key)
VISITOR_PAUSE = "visitor-pause"
VISITOR_STATUS = "visitor-status"
VISITOR_MAP = "visitor-map"
VISITOR_CELLS = "visitor-cells"
VISITOR_BOARD = "visitor-board"
VISITOR_GATES = "visitor-gates"
VISITOR_AS_OF = "visitor-as-of"
VISITOR_TOTAL = "visitor-total"

# supervisor
SUPERVISOR_PREFIX = "supervisor-"  # every supervisor id starts so (callbacks.auth guards them by it)
SUPERVISOR_ROOT = "supervisor-root"
SUPERVISOR_URL = "supervisor-url"
SUPERVISOR_F_AGENCY = "supervisor-f-agency"
SUPERVISOR_F_KOTA = "supervisor-f-kota"
SUPERVISOR_F_KECAMATAN = "supervisor-f-kecamatan"
SUPERVISOR_F_KELURAHAN = "supervisor-f-kelurahan"
SUPERVISOR_F_CATEGORY = "supervisor-f-category"
SUPERVISOR_F_STATUS = "supervisor-f-status"
SUPERVISOR_F_DATES = "supervisor-f-dates"
SUPERVISOR_F_OVERDUE = "supervisor-f-overdue"
SUPERVISOR_F_RESET = "supervisor-f-reset"
SUPERVISOR_LOGOUT = "supervisor-logout"
SUPERVISOR_LOGOUT_CSRF = "supervisor-logout-csrf"
SUPERVISOR_ERROR = "supervisor-error"
SUPERVISOR_KPIS = "supervisor-kpis"
SUPERVISOR_KPI_PREFIX = "supervisor-kpi"  # child(SUPERVISOR_KPI_PREFIX, key): one per KPI tile
SUPERVISOR_EXPORT = "supervisor-export"
SUPERVISOR_STATUS_FIG = "supervisor-status-fig"
SUPERVISOR_TREND_FIG = "supervisor-trend-fig"
SUPERVISOR_AGENCY_FIG = "supervisor-agency-fig"
SUPERVISOR_CATEGORY_FIG = "supervisor-category-fig"
SUPERVISOR_KELURAHAN_FIG = "supervisor-kelurahan-fig"
SUPERVISOR_MAP = "supervisor-map"
SUPERVISOR_AREAS = "supervisor-areas"
SUPERVISOR_POINTS = "supervisor-points"
SUPERVISOR_RESPOND_FIG = "supervisor-respond-fig"
SUPERVISOR_RESOLVE_FIG = "supervisor-resolve-fig"
SUPERVISOR_FUNNEL_FIG = "supervisor-funnel-fig"
SUPERVISOR_FLAGS = "supervisor-flags"
SUPERVISOR_KELURAHAN_PANEL = "supervisor-kelurahan-panel"
SUPERVISOR_KELURAHAN_SCORE = "supervisor-kelurahan-score"
SUPERVISOR_TABLE = "supervisor-table"  # the report grid (dash-ag-grid)
SUPERVISOR_DETAIL = "supervisor-detail"
SUPERVISOR_DETAIL_TEXT = "supervisor-detail-text"
SUPERVISOR_DETAIL_REPORTER = "supervisor-detail-reporter"
SUPERVISOR_DETAIL_MEDIA = "supervisor-detail-media"
