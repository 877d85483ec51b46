"""The wall pipeline: bounded reads in, one JSON snapshot per widget out, refreshed incrementally."""

#: The wall's snapshot widget id (the worker writes it; the wall, the landing page,
#: the map points route and the public layer read it).
WIDGET = "wall"
