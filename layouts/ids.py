"""Every component id of the views, defined once (``<view>-<thing>``, kebab case)."""

# shell
URL = "url"
PAGE = "page"

# wall: plumbing
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

# wall: panels
WALL_MAP_PANEL = "wall-map-panel"
WALL_MAP = "wall-map"
WALL_MAP_LEGEND = "wall-map-legend"
WALL_POINTS = "wall-points"
WALL_AREAS = "wall-areas"
WALL_KOTA = "wall-kota"
WALL_STATS = "wall-stats"
WALL_KPIS = "wall-kpis"
WALL_STATUS_FIG = "wall-status-fig"
WALL_BACKLOG_FIG = "wall-backlog-fig"
WALL_FLOW_FIG = "wall-flow-fig"
WALL_CITY = "wall-city"
WALL_FOCUS = "wall-focus"
WALL_FOCUS_BAR = "wall-focus-bar"
WALL_FOCUS_KPIS = "wall-focus-kpis"
WALL_ROTATE = "wall-rotate"
WALL_AGENCIES = "wall-agencies"
WALL_AGENCY_FIG = "wall-agency-fig"
WALL_BOARD = "wall-board"
WALL_GATES = "wall-gates"
WALL_TICKER = "wall-ticker"

#: The panels that tile the wall (tests check they render and never overlap).
WALL_PANELS = (WALL_MAP_PANEL, WALL_STATS, WALL_FOCUS, WALL_AGENCIES, WALL_BOARD, WALL_GATES, WALL_TICKER)
#: Their scope labels: the city frame's and the focus zone's (never covered by a banner).
WALL_SCOPES = (WALL_CITY, WALL_FOCUS_LABEL)

# index
INDEX_ROOT = "index-root"
INDEX_COUNTS = "index-counts"
