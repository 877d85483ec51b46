"""Pantau's processes: the worker and its leader lock, the web server and the demo runner, health."""
