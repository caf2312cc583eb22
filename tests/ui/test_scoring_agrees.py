"""One answer everywhere: the window's scoring and `riskdesk score --json` give the same scores, floors and hits
for the projects of the compliance review (EU buyer with split supply, hidden origins, a ban due in weeks)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from riskdesk.cli import EXIT_OK, main
from riskdesk.io.store.project_file import load_project
from riskdesk.ui.document import Document
from riskdesk.ui.scoring import Scoring
from riskdesk.ui.workers import SynchronousRunner

HEADER = ("part_number,end_use,magnet_family,grade,magnet_mass_g,annual_units,unit_price,stock_days,supplier_id,"
          "share_pct,mine_country,separation_country,metal_country,magnet_country,origin_evidence")
CASES = {
    "eu_split": ("DE", ["A,automotive,NdFeB-sintered,N42SH,20,10000,5,30,S1,60,CN,CN,CN,CN,declared",
                        "A,automotive,NdFeB-sintered,N42SH,20,10000,5,30,S2,40,AU,MY,JP,JP,declared",
                        "B,automotive,NdFeB-sintered,N42SH,20,10000,5,30,S1,100,CN,CN,CN,CN,declared"]),
    "hidden": ("US", ["D,defence,NdFeB-sintered,N42SH,20,10000,5,30,S1,100,CN,CN,,,declared"]),
    "ban_in_weeks": ("US", ["S,defence,Sm2Co17,Sm2Co17,20,10000,5,30,S1,100,CN,CN,US,US,declared"]),
}


def _cli(capsys: pytest.CaptureFixture[str], *args: object) -> str:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert code == EXIT_OK, err
    return out


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("day", ["2026-11-29", "2026-12-31", "2027-01-01"])
def test_the_window_scores_like_the_command_line(case: str, day: str, tmp_path: Path, qapp: object,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    buyer, rows = CASES[case]
    source = tmp_path / f"{case}.csv"
    source.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    project_path = tmp_path / f"{case}.rdproj"
    _cli(capsys, "new", project_path, "--import-country", buyer)
    _cli(capsys, "import", project_path, source)
    cli = json.loads(_cli(capsys, "score", project_path, "--as-of", day, "--json"))

    document = Document(load_project(project_path), runner=SynchronousRunner())
    scoring = Scoring(document, dt.date.fromisoformat(day))
    scoring.refresh()
    assert scoring.evaluation is not None
    window = scoring.evaluation.to_json()
    assert window["portfolio"]["score"] == cli["portfolio"]["score"]
    assert window["portfolio"]["prohibited_parts"] == cli["portfolio"]["prohibited_parts"]
    for mine, theirs in zip(window["parts"], cli["parts"], strict=True):  # type: ignore[call-overload]
        assert (mine["part_number"], mine["score"], mine["floor"], mine["cap"]) == \
            (theirs["part_number"], theirs["score"], theirs["floor"], theirs["cap"])
        assert [h["rule_id"] for h in mine["hits"]] == [h["rule_id"] for h in theirs["hits"]]
