"""The wall pipeline: bounded reads in, one JSON snapshot per widget out, refreshed incrementally."""
