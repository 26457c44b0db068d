"""Collecting evidence into the vault.

- :mod:`vault.collect.importer` imports files and whole folders with progress, duplicate
  reporting, per-file errors and optional secure removal of the originals;
- :mod:`vault.collect.capture` grabs the screen or the clipboard straight into the vault;
- :mod:`vault.collect.remove` overwrites and deletes originals after a verified import;
- :mod:`vault.collect.folder` expands folders into files without following link loops;
- :mod:`vault.collect.probe` and :mod:`vault.collect.exif` look at images safely, in memory.

This package's ``__init__`` imports nothing, so the low-level modules can be used by
:mod:`vault.evidence` without an import cycle.
"""
