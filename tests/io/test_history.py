"""What the history says each change was (riskdesk.io.history.source_text): a cell edit, an import of a file with
its hash, a declaration answer to a request, an undo, a whole save."""

from __future__ import annotations

import pytest

from riskdesk.io.history import source_text

DIGEST = "3f2a9c1b7e5d" + "0" * 52


@pytest.mark.parametrize(("source", "said"), [
    ({"kind": "edit", "edit": "cell"}, "cell edit"),
    ({"kind": "edit", "edit": "paste"}, "paste"),
    ({"kind": "edit", "edit": "rows removed"}, "rows removed"),
    ({"kind": "edit"}, "edit"),
    ({"kind": "import", "files": [{"file": "bom.xlsx", "sha256": DIGEST}]},
     "import of bom.xlsx (sha256 3f2a9c1b7e5d…)"),
    ({"kind": "import", "files": [{"file": "a.csv", "sha256": DIGEST}, {"file": "b.csv"}]},
     "import of a.csv (sha256 3f2a9c1b7e5d…), b.csv"),
    ({"kind": "answer", "request": "REQ-7", "file": "answer.xlsx", "sha256": DIGEST},
     "declaration REQ-7: answer.xlsx (sha256 3f2a9c1b7e5d…)"),
    ({"kind": "request", "requests": ["REQ-7", "REQ-8"]}, "declaration request REQ-7, REQ-8"),
    ({"kind": "undo", "edit": "cell"}, "undo"),
    ({"kind": "redo", "edit": "cell"}, "redo"),
    ({"kind": "command", "command": "scenario --save-as"}, "command riskdesk scenario --save-as"),
    ({"kind": "save"}, "saved as a whole"),
])
def test_the_source_of_a_change_set_says_what_it_was(source: dict[str, object], said: str) -> None:
    assert source_text(source) == said
