"""The tables of a project: parts, suppliers, supply paths and composition overrides, and their validation.

Tables are pandas DataFrames with the columns of `riskdesk.core.domain`. Text columns hold str ("" when empty),
numeric columns float64 (NaN when not given), stage countries ISO alpha-2 codes ("" when unknown). The project
around them (settings, scenarios, variants, mappings) is `riskdesk.core.project.Project`.
"""

from __future__ import annotations

import os
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from enum import Enum
from typing import cast

import numpy as np
import pandas as pd

from riskdesk.core import elements
from riskdesk.core.domain import (
    NUMBER_COLUMNS,
    NUMBER_LIMITS,
    NUMERIC_PART_COLUMNS,
    ROW_ID,
    STAGE_EVIDENCE_COLUMNS,
    STORED_COLUMNS,
    EndUse,
    Evidence,
    Feedstock,
    MagnetFamily,
    YesNo,
)
from riskdesk.core.problems import Problem, error, warning

SHARE_TOLERANCE_PCT = 0.5


def _empty_frame(columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame(
        {c: pd.Series(dtype="float64" if c in NUMBER_COLUMNS else "str") for c in columns}
    )


def new_row_ids(count: int) -> list[str]:
    """`count` fresh row ids: 16 random hex digits each (64 bits: no two rows of any project will share one)."""
    text = os.urandom(8 * count).hex()
    return [text[16 * i:16 * (i + 1)] for i in range(count)]


def conform(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """`frame` with exactly `columns`, in order, with RiskDesk's dtypes (missing columns added empty). A row id
    column (`ROW_ID`) keeps the ids rows have and gives a new one to a row without one, or with one an earlier row
    already has."""
    result = pd.DataFrame(index=pd.RangeIndex(len(frame)))
    for column in columns:
        values = frame[column].to_numpy() if column in frame.columns else None
        if column in NUMBER_COLUMNS:
            result[column] = (
                pd.to_numeric(pd.Series(values), errors="coerce").astype("float64")
                if values is not None else np.nan
            )
        else:
            series = pd.Series(values, dtype="object") if values is not None else pd.Series([""] * len(frame))
            text = series.astype("str")  # a missing value stays missing here, and becomes ""
            result[column] = text.fillna("") if text.hasnans else text
    if ROW_ID in columns and len(result):
        ids = result[ROW_ID]
        blank = (ids == "").to_numpy()
        if blank.all():  # new rows (an import's): each gets an id, without looking for the same id twice
            result[ROW_ID] = pd.Series(new_row_ids(len(result)), dtype="str")
        else:
            missing = blank | ids.duplicated(keep="first").to_numpy()
            if missing.any():
                result.loc[missing, ROW_ID] = new_row_ids(int(missing.sum()))
    return result


@dataclass
class ProjectTables:
    parts: pd.DataFrame
    suppliers: pd.DataFrame
    paths: pd.DataFrame
    composition: pd.DataFrame

    @classmethod
    def empty(cls) -> ProjectTables:
        return cls(
            _empty_frame(STORED_COLUMNS["parts"]),
            _empty_frame(STORED_COLUMNS["suppliers"]),
            _empty_frame(STORED_COLUMNS["paths"]),
            _empty_frame(STORED_COLUMNS["composition"]),
        )

    @classmethod
    def from_frames(cls, parts: pd.DataFrame, suppliers: pd.DataFrame, paths: pd.DataFrame,
                    composition: pd.DataFrame | None = None) -> ProjectTables:
        """Tables conformed to RiskDesk's columns and dtypes."""
        return cls(
            conform(parts, STORED_COLUMNS["parts"]),
            conform(suppliers, STORED_COLUMNS["suppliers"]),
            conform(paths, STORED_COLUMNS["paths"]),
            conform(composition if composition is not None else pd.DataFrame(), STORED_COLUMNS["composition"]),
        )

    def copy(self) -> ProjectTables:
        return ProjectTables(self.parts.copy(), self.suppliers.copy(), self.paths.copy(), self.composition.copy())

    def validate(self) -> list[Problem]:
        """Problems that make the tables unusable: broken keys, bad enum values, shares that don't add up. Each
        names the part (or supplier) it concerns, so that an import can tell its own problems from older ones."""
        problems: list[Problem] = []
        parts, suppliers, paths = self.parts, self.suppliers, self.paths
        _check_unique(parts, "part_number", "Parts", problems)
        _check_unique(suppliers, "supplier_id", "Suppliers", problems)
        _check_enum(parts, "end_use", EndUse, "Parts", problems)
        _check_enum(parts, "magnet_family", MagnetFamily, "Parts", problems)
        _check_enum(paths, "origin_evidence", Evidence, "Supply paths", problems)
        _check_enum(paths, "feedstock", Feedstock, "Supply paths", problems, blank=True)
        for column in STAGE_EVIDENCE_COLUMNS:
            _check_enum(paths, column, Evidence, "Supply paths", problems, blank=True)
        _check_enum(parts, "dfars", YesNo, "Parts", problems, blank=True)
        _check_enum(suppliers, "general_licence", YesNo, "Suppliers", problems, blank=True)
        for column in NUMERIC_PART_COLUMNS:
            bad = parts[parts[column] < 0]
            for index, row in bad.iterrows():
                problems.append(error("must not be negative", "Enter zero or a positive number",
                                      sheet="Parts", row=_sheet_row(index), column=column, value=str(row[column]),
                                      part=str(row["part_number"])))
            limit = NUMBER_LIMITS[column]
            for index, row in parts[parts[column] > limit.high].iterrows():
                problems.append(error(f"is not plausible: {limit.problem(float(row[column]))}",
                                      "Check the value and its unit", sheet="Parts", row=_sheet_row(index),
                                      column=column, value=str(row[column]), part=str(row["part_number"])))
        for column in ("magnet_mass_g", "annual_units"):
            missing = parts[parts[column].isna()]
            for index, row in missing.iterrows():
                problems.append(error("is required", "Enter a number", sheet="Parts", row=_sheet_row(index),
                                      column=column, part=str(row["part_number"])))
        for column, known, what in (
            ("part_number", parts["part_number"], "a part"),
            ("supplier_id", suppliers["supplier_id"], "a supplier"),
        ):
            bad_refs = paths.loc[~paths[column].isin(known)]
            for index, row in bad_refs.iterrows():
                problems.append(error(f"names {what} that does not exist", "Add it or correct the reference",
                                      sheet="Supply paths", row=_sheet_row(index), column=column,
                                      value=str(row[column]), part=str(row["part_number"])))
        for index, row in paths[~paths["share_pct"].between(0, 100)].iterrows():
            problems.append(error("must be a share between 0 and 100 %", "Enter the part's volume share",
                                  sheet="Supply paths", row=_sheet_row(index), column="share_pct",
                                  value=str(row["share_pct"]), part=str(row["part_number"])))
        for part_number, total in self.share_totals().items():
            problem = share_problem(str(part_number), total)
            if problem is not None and problem.is_error:
                problems.append(problem)
        for index, row in self.composition.iterrows():
            if row["element"] not in elements.INDEX:
                problems.append(error("is not an element RiskDesk knows", "Use a symbol such as Dy",
                                      sheet="Composition", row=_sheet_row(index), column="element",
                                      value=row["element"], part=str(row["part_number"])))
            if not 0 <= row["wt_pct"] <= 100:
                problems.append(error("must be a weight share between 0 and 100 %", "",
                                      sheet="Composition", row=_sheet_row(index), column="wt_pct",
                                      value=str(row["wt_pct"]), part=str(row["part_number"])))
        return problems

    def share_totals(self, parts: Iterable[str] | None = None) -> dict[str, float]:
        """Sum of the supply-path shares (%) of each part that has paths (of the given parts only, if given)."""
        paths = self.paths
        if parts is not None:
            paths = paths[paths["part_number"].isin(list(parts))]
        return {str(k): float(v) for k, v in paths.groupby("part_number")["share_pct"].sum().items()}


def share_problem(part_number: str, total_pct: float) -> Problem | None:
    """What is wrong with one part's supply-path shares adding up to `total_pct`: over 100 % is an error (the
    part's volume would count more than once), under 100 % a warning (the rest counts as of unknown origin)."""
    if total_pct > 100.0 + SHARE_TOLERANCE_PCT:
        return error(f"supply-path shares of part {part_number} add up to {total_pct:g} %",
                     "Shares of one part's paths must add up to 100 %; lower one of them",
                     sheet="Supply paths", column="share_pct", value=f"{total_pct:g}", part=part_number)
    if total_pct < 100.0 - SHARE_TOLERANCE_PCT:
        return warning(f"supply-path shares of part {part_number} add up to {total_pct:g} %",
                       "The rest of its volume counts as of unknown origin until you add its supply paths",
                       sheet="Supply paths", column="share_pct", value=f"{total_pct:g}", part=part_number)
    return None


def _sheet_row(index: Hashable) -> int:
    """The 1-based sheet row of a table row's label (the tables keep a default RangeIndex)."""
    return int(cast(int, index)) + 1  # pandas-stubs type labels as Hashable


def _subject(sheet: str, row: pd.Series) -> dict[str, str]:
    """The part or supplier a row of a table concerns, for `Problem.part` / `Problem.supplier`."""
    if sheet == "Suppliers":
        return {"supplier": str(row.get("supplier_id", ""))}
    return {"part": str(row.get("part_number", ""))}


def _check_unique(frame: pd.DataFrame, key: str, sheet: str, problems: list[Problem]) -> None:
    if (frame[key] == "").any():
        problems.append(error("must not be empty", f"Every row needs a {key}", sheet=sheet, column=key))
    duplicated = frame[frame[key].duplicated(keep="first")]
    for index, row in duplicated.iterrows():
        problems.append(error("appears twice", f"Each {key} must be unique", sheet=sheet,
                              row=_sheet_row(index), column=key, value=row[key], **_subject(sheet, row)))


def _check_enum(frame: pd.DataFrame, column: str, enum: type[Enum], sheet: str, problems: list[Problem],
                blank: bool = False) -> None:
    allowed = {member.value for member in enum}
    bad = frame[~frame[column].isin(allowed | ({""} if blank else set()))]
    for index, row in bad.iterrows():
        problems.append(error(f"is not one of {', '.join(sorted(allowed))}", "Pick one of the listed values",
                              sheet=sheet, row=_sheet_row(index), column=column, value=row[column],
                              **_subject(sheet, row)))
