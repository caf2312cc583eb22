"""The Rules tab's "Use a Newer List…": score the open project against a control list file newer than the one in
use, after showing what changes (the lines of `riskdesk rules --diff`), for as long as the project stays open.

The same checks as the command line's `--rules` and `rules --diff`: the file is validated as every control list is
(`riskdesk.core.rules.load_control_list`, one message naming the file, rule and field), and only a newer list
(by date, then version) is taken (`ControlList.update_refusal`).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

from riskdesk.core.datafile import DataFileError
from riskdesk.core.rules import ControlList, load_control_list

if TYPE_CHECKING:
    from riskdesk.ui.analysis import ViewContext

NOT_USED = "Control list not used"
"""The title of the message when the chosen file cannot be used."""


def use_newer_list(context: ViewContext, current: ControlList, folder: Path) -> ControlList | None:
    """Ask for a control list file, check it, show what changes and, when the user agrees, score the project
    against it from now on; the list now in use, or None when nothing changed."""
    path = context.dialogs.control_list_path(str(folder))
    if path is None:
        return None
    try:
        newer = load_control_list(path)
    except DataFileError as exc:
        context.dialogs.error(NOT_USED, str(exc))
        return None
    refusal = current.update_refusal(newer, path.name)
    if refusal:
        context.dialogs.error(NOT_USED, refusal)
        return None
    changes = "\n".join(current.diff(newer).lines())
    if not context.dialogs.confirm("Use a newer control list", f"{changes}\n\nScore this project against "
                                   f"{path.name} while it is open? Its reports will name this list and its SHA-256.",
                                   "Use This List"):
        return None
    from riskdesk.core.reference import default_reference

    reference = context.scoring.reference or default_reference()
    context.scoring.set_reference(dataclasses.replace(reference, control_list=newer))
    return newer
