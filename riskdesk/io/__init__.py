"""Reading and writing files: spreadsheet import (`importer`), the import template and validation report
(`template`), and project files. Depends on `riskdesk.core` only; never on Qt.
"""
