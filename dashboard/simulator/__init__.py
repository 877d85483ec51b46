"""The built-in live source: a seeded, reproducible Jakarta-like report feed
(:mod:`.source`), water levels at the monitored flood gates (:mod:`.water`) and
camera stills drawn from them (:mod:`.stills`). :mod:`.model` holds the shared
distributions that :mod:`dashboard.simulator.seed` reuses for fast history generation."""
