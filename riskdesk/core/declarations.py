"""Supplier declarations: the requests a buyer sent, the answers read back, and where each path's origins came from.

A buyer asks a supplier where the rare earths of the parts it delivers come from (`riskdesk request`: one
"RiskDesk Magnet Origin Declaration" workbook per supplier, docs/declarations.md). The project keeps each request
(`DeclarationRequest`: id, supplier, date sent, due date, parts asked) and every answer read back
(`DeclarationAnswer`: when, from which file and its hash, the effective date the supplier declared, the parts it
answered and the supply paths it set, with the evidence level of each). `Declarations` is the whole the project
holds (`riskdesk.core.project.Project.declarations`), replaced as a whole by a change set like the scenarios.

What an answer does to the supply paths is decided here too (`answer_paths`), so that the command line and the
window apply the same rule: the paths of the answering supplier for each part it answered are replaced by one
path per source row of the part's *lead element* (`LEAD_ELEMENTS`: the heavy rare earths China's and the US's
rules turn on first), splitting the supplier's share of the part as the rows' shares say.
"""

from __future__ import annotations

import datetime as dt
import math
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

STAGE_FIELDS: tuple[str, ...] = ("mine_country", "separation_country", "metal_country", "magnet_country")
"""The stage countries of a supply path, in the order of the chain."""

ANSWER_ELEMENTS: tuple[str, ...] = ("Nd", "Pr", "NdPr", "Dy", "Tb", "Sm", "Gd", "Ho", "Ce", "La", "Co", "Other")
"""The `element` words of the Origin by Element sheet (research2.md §A.3)."""

LEAD_ELEMENTS: tuple[str, ...] = ("Dy", "Tb", "Sm", "Gd", "Ho", "NdPr", "Nd", "Pr", "Ce", "La", "Co", "Other")
"""Whose rows decide a path's stage countries when a part's elements come from different places: a supply path has
one country per stage for all the part's elements, so the answer's element China's licensing (No. 18, No. 61) and
DFARS turn on first is the one the score must not miss: the heavy rare earths, then samarium, then NdPr."""

REE_UNSPECIFIED = "REE"
"""The element of a row read from an AMRT, which names only "Rare Earth Elements"."""

DEFAULT_STALE_MONTHS = 12
"""An origin declared longer ago than this counts as less sure (docs/method.md, "Transparency")."""


def new_request_id(today: dt.date) -> str:
    """A new request's id: readable, dated and unique ("RMD-20261205-3fa9c2d1")."""
    return f"RMD-{today:%Y%m%d}-{secrets.token_hex(4)}"


@dataclass(frozen=True)
class PathOrigin:
    """Where one supply path's stage countries came from: an answer set them, at this evidence level."""

    row_id: str
    part_number: str
    evidence: str
    """declared | verified."""
    countries: tuple[str, str, str, str]
    """The stage countries the answer set (mine, separation, metal/alloy, magnet; "" unknown): a path edited by hand
    since no longer holds them, and then the answer no longer speaks for it."""

    def to_json(self) -> dict[str, Any]:
        return {"row_id": self.row_id, "part_number": self.part_number, "evidence": self.evidence,
                "countries": list(self.countries)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PathOrigin:
        countries = [str(c) for c in data.get("countries", [])][:4]
        countries += [""] * (4 - len(countries))
        return cls(str(data["row_id"]), str(data.get("part_number", "")), str(data.get("evidence", "declared")),
                   (countries[0], countries[1], countries[2], countries[3]))


@dataclass(frozen=True)
class ScoreChange:
    """What an answer did to one part's score: before → after, as of the day it was imported."""

    part_number: str
    before: float
    after: float

    def to_json(self) -> list[Any]:
        return [self.part_number, self.before, self.after]

    @classmethod
    def from_json(cls, data: Sequence[Any]) -> ScoreChange:
        return cls(str(data[0]), float(data[1]), float(data[2]))


@dataclass(frozen=True)
class ProductDeclared:
    """One row of an answer's Product List: what the supplier says of one of our parts. The grade, magnet family
    and magnet mass fill the part's blank cells; price, currency and recovery time have no field in the project
    and are kept here as evidence (docs/declarations.md)."""

    part_number: str
    supplier_part_number: str = ""
    magnet_family: str = ""
    grade: str = ""
    magnet_mass_g: float = math.nan
    magnet_price: float = math.nan
    currency: str = ""
    recovery_time_weeks: float = math.nan
    magnet_maker_country: str = ""

    def describe(self) -> str:
        """"grade N42SH, 212.5 g of magnet, 3.2 USD per part, recovery 12 weeks"."""
        words = []
        if self.supplier_part_number:
            words.append(f"their part {self.supplier_part_number}")
        if self.magnet_family or self.grade:
            words.append(" ".join(w for w in (self.magnet_family, self.grade) if w))
        if not math.isnan(self.magnet_mass_g):
            words.append(f"{self.magnet_mass_g:g} g of magnet")
        if not math.isnan(self.magnet_price):
            words.append(f"magnet price {self.magnet_price:g} {self.currency}".rstrip())
        if not math.isnan(self.recovery_time_weeks):
            words.append(f"recovery {self.recovery_time_weeks:g} weeks")
        return ", ".join(words)

    def to_json(self) -> dict[str, Any]:
        def number(value: float) -> float | None:
            return None if math.isnan(value) else value

        return {"part_number": self.part_number, "supplier_part_number": self.supplier_part_number,
                "magnet_family": self.magnet_family, "grade": self.grade,
                "magnet_mass_g": number(self.magnet_mass_g), "magnet_price": number(self.magnet_price),
                "currency": self.currency, "recovery_time_weeks": number(self.recovery_time_weeks),
                "magnet_maker_country": self.magnet_maker_country}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ProductDeclared:
        def number(key: str) -> float:
            value = data.get(key)
            return math.nan if value is None else float(value)

        return cls(str(data["part_number"]), str(data.get("supplier_part_number", "")),
                   str(data.get("magnet_family", "")), str(data.get("grade", "")), number("magnet_mass_g"),
                   number("magnet_price"), str(data.get("currency", "")), number("recovery_time_weeks"),
                   str(data.get("magnet_maker_country", "")))


@dataclass(frozen=True)
class Facility:
    """A smelter (separator, metal or magnet maker, recycler) or mine an answer names on its Smelter List or Mine
    List: kept with the answer as evidence of the paths whose stage country it is in."""

    kind: str
    """smelter | mine."""
    name: str
    facility_id: str
    """RMI's smelter id (e.g. CID002158) or a mine id, as the supplier gave it; "" none."""
    country: str
    """ISO code; "" unknown."""
    stage: str = ""
    """For a smelter: separation | metal/alloy | magnet | recycling ("" as AMRT has it: separation)."""
    elements: tuple[str, ...] = ()
    """The elements it handles ("Dy, Tb"); empty: all rare earths."""
    metal: str = ""
    """The template's Metal column ("Rare Earth Elements", "Cobalt" …)."""
    smelter: str = ""
    """For a mine: the smelter sourcing from it, as the Mine List names it."""

    @property
    def stage_field(self) -> str:
        """The supply path's stage country this facility stands for."""
        if self.kind == "mine" or self.stage == "recycling":
            return "mine_country"
        return {"metal/alloy": "metal_country", "magnet": "magnet_country"}.get(self.stage, "separation_country")

    def describe(self) -> str:
        """"separation: Lynas Malaysia (CID004387), MY"."""
        what = "mine" if self.kind == "mine" else (self.stage or "separation")
        ident = f" ({self.facility_id})" if self.facility_id else ""
        elements = f" [{', '.join(self.elements)}]" if self.elements else ""
        return f"{what}: {self.name or 'unnamed'}{ident}, {self.country or 'country unknown'}{elements}"

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "id": self.facility_id, "country": self.country,
                "stage": self.stage, "elements": list(self.elements), "metal": self.metal, "smelter": self.smelter}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Facility:
        return cls(str(data.get("kind", "smelter")), str(data.get("name", "")), str(data.get("id", "")),
                   str(data.get("country", "")), str(data.get("stage", "")),
                   tuple(str(e) for e in data.get("elements", [])), str(data.get("metal", "")),
                   str(data.get("smelter", "")))


@dataclass(frozen=True)
class DeclarationAnswer:
    """A supplier's answer, as it was read back into the project."""

    received: dt.date
    """When it was imported."""
    effective_date: dt.date
    """The date the supplier's declaration speaks for (its `effective_date`): the age of the origins counts from it."""
    file: str
    sha256: str
    kind: str = "RiskDesk-RMD"
    """`RiskDesk-RMD` (our workbook) or `AMRT` (an RMI Additional Minerals Reporting Template)."""
    parts: tuple[str, ...] = ()
    """The parts it answered."""
    paths: tuple[PathOrigin, ...] = ()
    company: str = ""
    contact: str = ""
    facilities: tuple[Facility, ...] = ()
    """The smelters and mines its Smelter List and Mine List name."""
    products: tuple[ProductDeclared, ...] = ()
    """What its Product List says of each part (grade, magnet mass, price, recovery time …)."""
    scores: tuple[ScoreChange, ...] = ()
    """What it changed: each part it answered, its score before → after, as of the day it was imported (computed
    when it was read, from the project just before and just after: `riskdesk.io.declaration_answer`)."""

    def facilities_of(self, countries: Sequence[str]) -> list[Facility]:
        """The facilities that stand for a path of these stage countries (mine, separation, metal/alloy, magnet):
        each in the country of its stage."""
        by_stage = dict(zip(STAGE_FIELDS, countries, strict=False))
        return [f for f in self.facilities if f.country and by_stage.get(f.stage_field) == f.country]

    def product(self, part_number: str) -> ProductDeclared | None:
        return next((p for p in self.products if p.part_number == part_number), None)

    @cached_property
    def path_columns(self) -> tuple[Any, tuple[Any, Any, Any, Any]]:
        """The row ids of the paths it set and their four stage countries, as numpy object arrays (computed once
        per answer: the score looks them up at every compile, for up to 100,000 paths)."""
        import numpy as np

        ids = np.array([origin.row_id for origin in self.paths], dtype=object)
        stages = list(zip(*(origin.countries for origin in self.paths), strict=True)) or [(), (), (), ()]
        columns = [np.array(stage, dtype=object) for stage in stages]
        return ids, (columns[0], columns[1], columns[2], columns[3])

    def to_json(self) -> dict[str, Any]:
        return {"received": self.received.isoformat(), "effective_date": self.effective_date.isoformat(),
                "file": self.file, "sha256": self.sha256, "kind": self.kind, "parts": list(self.parts),
                "paths": [p.to_json() for p in self.paths], "company": self.company, "contact": self.contact,
                "facilities": [f.to_json() for f in self.facilities],
                "products": [p.to_json() for p in self.products], "scores": [c.to_json() for c in self.scores]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DeclarationAnswer:
        return cls(dt.date.fromisoformat(str(data["received"])), dt.date.fromisoformat(str(data["effective_date"])),
                   str(data.get("file", "")), str(data.get("sha256", "")), str(data.get("kind", "RiskDesk-RMD")),
                   tuple(str(p) for p in data.get("parts", [])),
                   tuple(PathOrigin.from_json(p) for p in data.get("paths", [])),
                   str(data.get("company", "")), str(data.get("contact", "")),
                   tuple(Facility.from_json(f) for f in data.get("facilities", [])),
                   tuple(ProductDeclared.from_json(p) for p in data.get("products", [])),
                   tuple(ScoreChange.from_json(c) for c in data.get("scores", [])))


@dataclass(frozen=True)
class DeclarationRequest:
    """One request sent to one supplier, and the answers it has had (the latest last)."""

    request_id: str
    supplier_id: str
    sent: dt.date
    due: dt.date | None
    parts: tuple[str, ...]
    """The parts asked about (those the supplier delivers)."""
    answers: tuple[DeclarationAnswer, ...] = ()

    @property
    def answered(self) -> dt.date | None:
        """When the latest answer was read back (None: not answered)."""
        return self.answers[-1].received if self.answers else None

    @property
    def parts_answered(self) -> tuple[str, ...]:
        """The parts asked about that an answer has covered, in the order asked."""
        covered = {part for answer in self.answers for part in answer.parts}
        return tuple(part for part in self.parts if part in covered)

    def status(self, today: dt.date) -> str:
        """overdue | answered | partly answered | waiting (as `riskdesk requests` and the Declarations view say)."""
        if self.overdue(today):
            return "overdue"
        if len(self.parts_answered) == len(self.parts):
            return "answered"
        return "partly answered" if self.answers else "waiting"

    def overdue(self, today: dt.date) -> bool:
        """Past its due date with parts still unanswered."""
        return self.due is not None and today > self.due and len(self.parts_answered) < len(self.parts)

    def with_answer(self, answer: DeclarationAnswer) -> DeclarationRequest:
        return replace(self, answers=(*self.answers, answer))

    def to_json(self) -> dict[str, Any]:
        return {"request_id": self.request_id, "supplier_id": self.supplier_id, "sent": self.sent.isoformat(),
                "due": self.due.isoformat() if self.due else None, "parts": list(self.parts),
                "answers": [a.to_json() for a in self.answers]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DeclarationRequest:
        due = data.get("due")
        return cls(str(data["request_id"]), str(data["supplier_id"]), dt.date.fromisoformat(str(data["sent"])),
                   dt.date.fromisoformat(str(due)) if due else None, tuple(str(p) for p in data.get("parts", [])),
                   tuple(DeclarationAnswer.from_json(a) for a in data.get("answers", [])))


@dataclass(frozen=True)
class Declarations:
    """Every request of the project, in the order sent (the project's `declarations` whole)."""

    requests: tuple[DeclarationRequest, ...] = ()

    def find(self, request_id: str) -> DeclarationRequest | None:
        return next((r for r in self.requests if r.request_id == request_id), None)

    def adding(self, requests: Iterable[DeclarationRequest]) -> Declarations:
        return Declarations((*self.requests, *requests))

    def answering(self, request_id: str, answer: DeclarationAnswer) -> Declarations:
        """These declarations with `answer` kept under its request (KeyError when there is no such request)."""
        if self.find(request_id) is None:
            raise KeyError(request_id)
        return Declarations(tuple(r.with_answer(answer) if r.request_id == request_id else r for r in self.requests))

    @cached_property
    def _origins(self) -> _Origins:
        """Every answer's origins in one set of arrays, built once per `Declarations` (they never change: a new
        answer makes new declarations), for `_latest_origins` at every compile of a project of 100,000 paths."""
        import numpy as np
        import pandas as pd

        answers = [(request, answer) for request in self.requests for answer in request.answers]
        columns = [answer.path_columns for _, answer in answers]
        counts = [len(ids) for ids, _ in columns]
        if not sum(counts):
            none, no_days = np.zeros(0, dtype=object), np.zeros(0, dtype=np.int64)
            return _Origins(answers, no_days, (none, none, none, none), no_days, no_days, pd.Index(none))
        rows = np.concatenate([ids for ids, _ in columns])
        stages = tuple(np.concatenate([stage[i] for _, stage in columns]) for i in range(4))
        which = np.repeat(np.arange(len(answers)), counts)
        received = np.array([a.received.toordinal() for _, a in answers], dtype=np.int64)[which]
        effective = np.array([a.effective_date.toordinal() for _, a in answers], dtype=np.int64)[which]
        codes, unique = pd.factorize(rows)
        return _Origins(answers, np.asarray(codes, dtype=np.int64), (stages[0], stages[1], stages[2], stages[3]),
                        received, effective, pd.Index(unique))

    def evidence_lines(self, paths: Any, row_id: str, as_of: dt.date) -> list[str]:
        """What the project knows of where one supply path's origins came from, for the buyer to read: the answer
        that speaks for it (`path_evidence`), the smelters and mines it names in the path's stage countries, and
        what its Product List says of the part. Empty when no answer speaks for the path."""
        found = path_evidence(self, paths).get(row_id)
        if found is None:
            return []
        request = self.find(found.request_id)
        candidates = [(a, o) for a in (request.answers if request is not None else ()) for o in a.paths
                      if (a.file, a.sha256, a.received) == (found.file, found.sha256, found.received)
                      and o.row_id == row_id]
        if request is None or not candidates:
            return []
        answer, origin = candidates[-1]
        age = months_between(found.effective_date, as_of)
        lines = [f"{found.evidence} by {request.supplier_id} ({answer.kind} {request.request_id}), effective "
                 f"{found.effective_date.isoformat()} ({age:.0f} months ago), read {found.received.isoformat()} from "
                 f"{found.file} (sha256 {found.sha256[:12]}…)"]
        lines += [facility.describe() for facility in answer.facilities_of(origin.countries)]
        product = answer.product(origin.part_number)
        if product is not None and product.describe():
            lines.append(f"Product List: {product.describe()}")
        return lines

    def to_json(self) -> list[dict[str, Any]]:
        return [r.to_json() for r in self.requests]

    @classmethod
    def from_json(cls, data: object) -> Declarations:
        """From `to_json`'s list; ValueError (or KeyError, TypeError) when it is not one."""
        if not isinstance(data, list):
            raise ValueError("the declarations are not a list of requests")
        return cls(tuple(DeclarationRequest.from_json(item) for item in data))


def plan_requests(tables: Any, supplier_ids: Sequence[str], today: dt.date, due: dt.date | None
                  ) -> list[tuple[DeclarationRequest, list[tuple[str, str]]]]:
    """A request to each supplier of `supplier_ids` (all suppliers with supply paths when empty), for the parts it
    delivers, each with (part number, description) of those parts in the order of the Parts table. KeyError names
    a supplier the project does not have; ValueError one that delivers no part."""
    paths, parts = tables.paths, tables.parts
    known = list(tables.suppliers["supplier_id"])
    delivering = list(dict.fromkeys(str(s) for s in paths["supplier_id"]))
    chosen = list(dict.fromkeys(supplier_ids)) if supplier_ids else [s for s in known if s in delivering]
    names = dict(zip(parts["part_number"], parts["description"], strict=True))
    order = {part: i for i, part in enumerate(parts["part_number"])}
    result = []
    for supplier in chosen:
        if supplier not in known:
            raise KeyError(supplier)
        delivered = sorted(set(paths[paths["supplier_id"] == supplier]["part_number"]),
                           key=lambda p: order.get(p, len(order)))
        if not delivered:
            raise ValueError(supplier)
        request = DeclarationRequest(new_request_id(today), supplier, today, due, tuple(delivered))
        result.append((request, [(part, str(names.get(part, ""))) for part in delivered]))
    return result


# ---- each path's origin ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PathEvidence:
    """What the project knows about where one path's origins came from."""

    request_id: str
    file: str
    sha256: str
    effective_date: dt.date
    received: dt.date
    evidence: str

    def age_days(self, as_of: dt.date) -> int:
        return (as_of - self.effective_date).days


@dataclass(frozen=True)
class _Origins:
    """Every origin of every answer, in the answers' order (`Declarations._origins`)."""

    answers: list[tuple[DeclarationRequest, DeclarationAnswer]]
    codes: Any
    """Per origin: its path's row id, as a position in `row_ids`."""
    stages: tuple[Any, Any, Any, Any]
    """Per origin: the four stage countries it set."""
    received: Any
    effective: Any
    """Per origin: its answer's day received and effective date (day numbers)."""
    row_ids: Any
    """The row ids the answers speak for, each once (a pandas Index: its hash table is built once)."""

    @property
    def n(self) -> int:
        return len(self.codes)


def _latest_origins(declarations: Declarations, paths: Any
                    ) -> tuple[Any, Any, list[tuple[DeclarationRequest, DeclarationAnswer]]]:
    """Which answer speaks for each path (see `path_evidence`), vectorised for a project of 100,000 paths: the
    positions of the paths some answer speaks for, the index of the origin that does (counting the answers' paths
    in order), and the (request, answer) list of the project's answers in order."""
    import numpy as np

    origins = declarations._origins
    answers = origins.answers
    empty = np.zeros(0, dtype=np.int64)
    if not origins.n or not len(paths):
        return empty, empty, answers
    stages, received, effective = origins.stages, origins.received, origins.effective
    # each origin's path: the answers' row ids looked up among the paths' (row ids are unique in a table)
    of_path = origins.row_ids.get_indexer(paths["row_id"].to_numpy(dtype=object))
    listed = np.flatnonzero(of_path >= 0)
    path_of = np.full(len(origins.row_ids), -1, dtype=np.int64)
    path_of[of_path[listed]] = listed
    at = path_of[origins.codes]
    # the latest answer wins (received, then effective date, then the order kept): sort the origins so, then
    # keep each path's last match
    same = at >= 0
    for stage, column in zip(stages, STAGE_FIELDS, strict=True):
        held = paths[column].to_numpy(dtype=object, na_value="")
        same &= np.where(same, held[np.maximum(at, 0)] == stage, False)
    matched = np.flatnonzero(same)
    if not len(matched):
        return empty, empty, answers
    order = np.lexsort((matched, effective[matched], received[matched]))
    ordered = matched[order]
    _, from_end = np.unique(at[ordered][::-1], return_index=True)
    chosen = ordered[len(ordered) - 1 - from_end]
    return at[chosen], chosen, answers


def _answer_index(counts: Any) -> Any:
    import numpy as np

    return np.repeat(np.arange(len(counts)), counts)


def path_evidence(declarations: Declarations, paths: Any) -> dict[str, PathEvidence]:
    """By path row id, the latest answer that set the path's stage countries and still speaks for it (the path
    holds the countries it set: a path edited by hand since is the buyer's own knowledge). `paths` is the project's
    supply paths table."""
    positions, origins, answers = _latest_origins(declarations, paths)
    if not len(positions):
        return {}
    evidence = [origin.evidence for _, answer in answers for origin in answer.paths]
    which = _origin_answers(answers)
    row_ids = paths["row_id"].to_numpy(dtype=object)
    result: dict[str, PathEvidence] = {}
    for position, i in zip(positions.tolist(), origins.tolist(), strict=True):
        request, answer = answers[which[i]]
        result[str(row_ids[position])] = PathEvidence(request.request_id, answer.file, answer.sha256,
                                                      answer.effective_date, answer.received, evidence[i])
    return result


def _origin_answers(answers: Sequence[tuple[DeclarationRequest, DeclarationAnswer]]) -> Any:
    """Per origin (in the order `_latest_origins` lists them), the index of its answer."""
    return _answer_index([len(answer.paths) for _, answer in answers]).tolist()


def declared_on(declarations: Declarations, paths: Any) -> Any:
    """Per path (in the order of `paths`), the effective date (day number, `date.toordinal`) of the answer that
    speaks for it (`path_evidence`), NaN where none does: what the score needs, without a Python loop per path."""
    import numpy as np

    dates = np.full(len(paths), np.nan)
    positions, origins, answers = _latest_origins(declarations, paths)
    if len(positions):
        effective = np.array([a.effective_date.toordinal() for _, a in answers], dtype=float)
        which = _answer_index([len(answer.paths) for _, answer in answers])
        dates[positions] = effective[which[origins]]
    return dates


def months_between(earlier: dt.date, later: dt.date) -> float:
    """Calendar months from `earlier` to `later` (365.25 / 12 days each)."""
    return (later - earlier).days / (365.25 / 12)


@dataclass(frozen=True)
class SupplierToAsk:
    """A supplier a buyer could ask for a declaration, and why (File ▸ Request declarations…)."""

    supplier_id: str
    name: str
    parts: int
    """How many parts it delivers."""
    unknown_paths: int
    """Its supply paths with a stage of unknown origin."""
    stale_paths: int
    """Its supply paths whose declared origins are older than the stale setting."""
    waiting: bool
    """A request to it is still open (parts unanswered, not overdue)."""

    @property
    def suggested(self) -> bool:
        """Worth asking: origins unknown or old, and no request still open."""
        return (self.unknown_paths > 0 or self.stale_paths > 0) and not self.waiting

    def reason(self) -> str:
        words = []
        if self.unknown_paths:
            words.append(f"{self.unknown_paths} supply path{'s' if self.unknown_paths != 1 else ''} of unknown origin")
        if self.stale_paths:
            words.append(f"{self.stale_paths} declared longer ago than the stale setting")
        if self.waiting:
            words.append("a request is still open")
        return "; ".join(words) or "origins known"


def suppliers_to_ask(tables: Any, declarations: Declarations, as_of: dt.date, stale_months: float
                     ) -> list[SupplierToAsk]:
    """Every supplier that delivers a part, those worth asking (`SupplierToAsk.suggested`) first, each in the order
    of the Suppliers table."""
    paths = tables.paths
    evidence = path_evidence(declarations, paths) if declarations.requests else {}
    names = dict(zip(tables.suppliers["supplier_id"], tables.suppliers["supplier_name"], strict=True))
    latest = {request.supplier_id: request for request in declarations.requests}
    stages = [paths[c].fillna("").astype(str).str.strip().to_numpy() for c in STAGE_FIELDS]
    counts: dict[str, list[Any]] = {}
    for i, (supplier, part, row_id) in enumerate(zip(paths["supplier_id"], paths["part_number"], paths["row_id"],
                                                      strict=True)):
        entry = counts.setdefault(str(supplier), [set(), 0, 0])
        entry[0].add(str(part))
        entry[1] += any(stage[i] == "" for stage in stages)
        found = evidence.get(str(row_id))
        entry[2] += found is not None and months_between(found.effective_date, as_of) > stale_months
    order = {str(s): i for i, s in enumerate(tables.suppliers["supplier_id"])}
    listed = [SupplierToAsk(s, str(names.get(s, "")), len(parts), unknown, stale,
                            s in latest and not latest[s].overdue(as_of)
                            and len(latest[s].parts_answered) < len(latest[s].parts))
              for s, (parts, unknown, stale) in counts.items()]
    return sorted(listed, key=lambda c: (not c.suggested, order.get(c.supplier_id, len(order))))


# ---- an answer's rows become supply paths ---------------------------------------------------------------------------

@dataclass(frozen=True)
class OriginRow:
    """One row of an answer's Origin by Element sheet, read and checked."""

    part_number: str
    element: str
    share_pct: float
    mine_country: str
    separation_country: str
    metal_country: str
    evidence: str
    """declared | verified."""
    wt_pct: float = math.nan
    recycled: bool = False


@dataclass(frozen=True)
class PathPlan:
    """One supply path an answer sets: its share of the part and stage countries."""

    part_number: str
    share_pct: float
    countries: tuple[str, str, str, str]
    evidence: str


@dataclass
class AnswerPlan:
    """The paths an answer sets, part by part, and what the rule left out (for the buyer to read)."""

    paths: list[PathPlan] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def lead_element(elements_given: Iterable[str]) -> str:
    """The element whose rows decide the paths (`LEAD_ELEMENTS`; an AMRT's unspecified rare earths otherwise)."""
    given = set(elements_given)
    return next((e for e in LEAD_ELEMENTS if e in given), REE_UNSPECIFIED if REE_UNSPECIFIED in given
                else sorted(given)[0])


def answer_paths(rows: Sequence[OriginRow], magnet_country: Mapping[str, str], supplier_share: Mapping[str, float]
                 ) -> AnswerPlan:
    """The supply paths an answer sets (see the module docstring): for each part, one path per row of its lead
    element, its share the row's `share_pct` of the supplier's share of the part (`supplier_share`, NaN when the
    project left it blank: then the paths are blank too, split equally when scored); the magnet country from the
    Product List (`magnet_country`). A stage another element of the part declares differently is named in a note.
    """
    plan = AnswerPlan()
    by_part: dict[str, list[OriginRow]] = {}
    for row in rows:
        by_part.setdefault(row.part_number, []).append(row)
    for part, part_rows in by_part.items():
        lead = lead_element(r.element for r in part_rows)
        leading = [r for r in part_rows if r.element == lead]
        total = supplier_share.get(part, math.nan)
        magnet = magnet_country.get(part, "")
        for row in leading:
            share = math.nan if math.isnan(total) else total * row.share_pct / 100.0
            plan.paths.append(PathPlan(part, share, (row.mine_country, row.separation_country, row.metal_country,
                                                     magnet), row.evidence))
        lead_stages = [{getattr(r, stage) for r in leading} for stage in STAGE_FIELDS[:3]]
        for other in sorted({r.element for r in part_rows} - {lead}):
            for index, stage in enumerate(STAGE_FIELDS[:3]):
                theirs = {getattr(r, stage) for r in part_rows if r.element == other}
                if theirs - lead_stages[index]:
                    words = ", ".join(sorted(c or "unknown" for c in theirs - lead_stages[index]))
                    plan.notes.append(f"part {part}: {other}'s {stage.replace('_', ' ')} ({words}) differs from "
                                      f"{lead}'s; the supply paths follow {lead}")
    return plan


__all__ = ["ANSWER_ELEMENTS", "DEFAULT_STALE_MONTHS", "LEAD_ELEMENTS", "REE_UNSPECIFIED", "STAGE_FIELDS",
           "AnswerPlan", "DeclarationAnswer", "DeclarationRequest", "Declarations", "Facility", "OriginRow",
           "PathEvidence", "PathOrigin", "PathPlan", "ProductDeclared", "ScoreChange", "SupplierToAsk", "answer_paths",
           "declared_on", "lead_element", "months_between", "new_request_id", "path_evidence", "plan_requests",
           "suppliers_to_ask"]
