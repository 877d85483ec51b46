"""Pure layout builders for the Pantau views (no I/O, no callbacks)."""
