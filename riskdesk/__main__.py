"""Entry point: `riskdesk` with no arguments (or `riskdesk gui [PROJECT]`) opens the window, `riskdesk --selftest`
checks the installation (riskdesk.ui.selftest); anything else is the command line. Kept apart from all three so
that the CLI never loads Qt and the window never parses commands."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    if getattr(sys, "frozen", False):  # a bundled build: large workbooks are read in a child process
        import multiprocessing  # (riskdesk.io.isolated); only then, as the import costs ~9 ms of start-up

        multiprocessing.freeze_support()
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] == "gui":
        from riskdesk.ui.app import run_gui

        return run_gui(args[1:])
    if args == ["--selftest"]:
        from riskdesk.ui.selftest import run_selftest

        return run_selftest()
    from riskdesk.cli import main as cli_main

    return cli_main(args)


if __name__ == "__main__":
    sys.exit(main())
