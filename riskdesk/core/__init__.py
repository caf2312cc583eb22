"""Qt-free core: domain model, reference data, control-list evaluation, exposure and scoring.

Nothing below this package may import Qt or pyqtgraph (enforced by import-linter, see pyproject.toml).
"""
