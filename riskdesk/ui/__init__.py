"""The desktop application (Qt widgets): the main window, table models, dialogs and background workers.

Depends on `riskdesk.core` and `riskdesk.io`, never the other way round (import-linter enforces it).
UI policy: widgets are built in code (no Designer files); widgets are composed, never multiply inherited.
"""
