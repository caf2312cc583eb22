"""Scoring a 100,000-path project where every path carries declaration evidence, against the same project without
any (issue 23): the evidence of each path (`core/declarations.path_evidence`) is looked up at compile time, and must
not cost more than half the score again. Both are timed as the window re-scores after an edit, each warmed by one
scoring first: the answers' origins are gathered once per set of declarations (`Declarations._origins`, which an
edit to the tables leaves as it is), and each compile looks the paths up in them."""

from __future__ import annotations

import datetime as dt

from bench.common import BenchResult, best_of


def with_evidence(project: object, n_requests: int = 50) -> object:
    """`project` with every supply path declared: one request per block of suppliers, each with one answer that
    set all of that block's paths as they are (so that every path's evidence still speaks for it)."""
    from riskdesk.core.declarations import STAGE_FIELDS, DeclarationAnswer, DeclarationRequest, Declarations, PathOrigin

    declared = project.copy()  # type: ignore[attr-defined]
    paths = declared.tables.paths
    stages = [paths[c].fillna("").astype(str).tolist() for c in STAGE_FIELDS]
    suppliers = paths["supplier_id"].astype(str).tolist()
    parts = paths["part_number"].astype(str).tolist()
    row_ids = paths["row_id"].astype(str).tolist()
    blocks: dict[int, list[PathOrigin]] = {}
    for i, row_id in enumerate(row_ids):
        origin = PathOrigin(row_id, parts[i], "declared", (stages[0][i], stages[1][i], stages[2][i], stages[3][i]))
        blocks.setdefault(hash(suppliers[i]) % n_requests, []).append(origin)
    requests = []
    for block, origins in sorted(blocks.items()):
        answer = DeclarationAnswer(dt.date(2026, 11, 1), dt.date(2026, 10, 1), f"answer-{block}.xlsx", "0" * 64,
                                   parts=tuple(dict.fromkeys(o.part_number for o in origins)), paths=tuple(origins))
        requests.append(DeclarationRequest(f"RMD-20261001-{block:08x}", f"block-{block}", dt.date(2026, 10, 1), None,
                                           answer.parts, (answer,)))
    declared.declarations = Declarations(tuple(requests))
    return declared


def run(quick: bool) -> list[BenchResult]:
    from riskdesk.core.demo import synthetic_project
    from riskdesk.core.evaluation import evaluate
    from riskdesk.core.reference import default_reference

    n_paths = 100_000  # the ratio is what is measured: at a smaller size fixed costs and the machine's noise dominate
    repeat = 3 if quick else 7
    project = synthetic_project(n_paths)
    declared = with_evidence(project)
    reference = default_reference()
    as_of = dt.date(2026, 11, 23)
    evaluate(project, as_of, reference=reference)  # warm caches (reference data, numpy)
    evaluate(declared, as_of, reference=reference)  # type: ignore[arg-type]  # and the answers' origins
    plain = best_of(lambda: evaluate(project, as_of, reference=reference), repeat=repeat)
    evidence = best_of(lambda: evaluate(declared, as_of, reference=reference), repeat=repeat)  # type: ignore[arg-type]
    return [BenchResult(f"score_{n_paths // 1000}k_paths_all_declared", evidence, "s",
                        f"score_{n_paths // 1000}k_paths_no_declarations", plain, 1.5,
                        extra="compile + evaluate, every path with declaration evidence")]
