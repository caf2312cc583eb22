"""What the report's Variants sheet says: the mitigation variants saved in the project compared with the project as
it is — portfolio score and band, the cost change, the parts each changes — under each chosen scenario (or, with
none chosen, under reference prices with no shock for a year). The comparison is the window's
(`riskdesk.core.mitigations.compare_variants`); values, not cells (`riskdesk.io.report.variants` lays them out).

    sheet = variants_sheet(data)     # data = riskdesk.core.report_content.prepare(request)
    sheet.names, sheet.scores, sheet.cost_changes
"""

from __future__ import annotations

from dataclasses import dataclass, field

from riskdesk.core.evaluation import band
from riskdesk.core.labels import BAND_LABELS, BASIS_NAMES, count
from riskdesk.core.mitigations import MitigationError, Variant, compare_variants
from riskdesk.core.report_content import ReportData
from riskdesk.core.scenarios import UNKNOWN_VALUE, Scenario, ScenarioError
from riskdesk.core.variants import AddSource, AddStock, ChangeGrade, MovePath

AS_IT_IS = "The project as it is"
"""The first row: what every variant is compared with."""
NO_SHOCK_MONTHS = 12
EVERY_PART = "every part"
NONE_SAVED = ("The project has no mitigation variants. Make them in the window (Scenarios tab ▸ Mitigations ▸ New "
              "variant…): a supply path moved to another supplier or country, a second source, another grade or "
              "more stock, compared here with the project as it is.")


@dataclass(frozen=True)
class VariantsSheet:
    """One row per scenario × (the project as it is, then each variant); each list a column. Without variants,
    `none` says so and the lists are empty."""

    note: str
    none: str = ""
    """The one line shown when the project has no variants ("" when it has)."""
    scenarios: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    """The changes in words, one a line."""
    part_counts: list[int] = field(default_factory=list)
    """How many parts the changes name."""
    parts: list[str] = field(default_factory=list)
    """Those parts, comma-separated, or EVERY_PART."""
    scores: list[float] = field(default_factory=list)
    bands: list[str] = field(default_factory=list)
    score_changes: list[float] = field(default_factory=list)
    """Portfolio score − the project's as it is."""
    red_parts: list[int] = field(default_factory=list)
    scenario_costs: list[float] = field(default_factory=list)
    """The element content's cost over the scenario's horizon, USD."""
    purchase_changes: list[float | str] = field(default_factory=list)
    """What second sources' prices add to what is paid for the parts over the horizon (USD; "unknown" where a
    second source has no price)."""
    cost_changes: list[float | str] = field(default_factory=list)
    """Scenario cost − the project's as it is, plus the purchase change ("unknown" where that is)."""
    parts_short: list[int] = field(default_factory=list)
    value_short: list[float] = field(default_factory=list)
    not_applied: list[tuple[str, str]] = field(default_factory=list)
    """(variant, why) for each variant that cannot be applied to the project as it is now."""


def _no_shock(data: ReportData) -> Scenario:
    basis = data.evaluation.settings.price_basis
    return Scenario(f"No shock, {BASIS_NAMES[basis]} reference prices", data.request.as_of,
                    horizon_months=NO_SHOCK_MONTHS, price_basis=basis)


def changed_parts(variant: Variant, all_parts: list[str]) -> list[str]:
    """The parts a variant's changes name, in the Parts table's order ("*": every part)."""
    named: set[str] = set()
    for change in variant.changes:
        if isinstance(change, AddStock) and change.part_number == "*":
            return list(all_parts)
        if isinstance(change, MovePath | AddSource | ChangeGrade | AddStock):
            named.add(change.part_number)
    return [p for p in all_parts if p in named]


def variants_sheet(data: ReportData) -> VariantsSheet:
    """The Variants sheet."""
    project = data.request.project
    variants = list(project.variants)
    if not variants:
        return VariantsSheet(note="Mitigation variants saved in the project, compared with the project as it is.",
                             none=NONE_SAVED)
    usable: list[Variant] = []
    broken: list[tuple[str, str]] = []
    for variant in variants:
        try:
            variant.apply(project)
        except (MitigationError, ScenarioError, ValueError, KeyError, TypeError) as exc:
            broken.append((variant.name, str(exc)))
        else:
            usable.append(variant)
    scenarios = [run.result.scenario for run in data.runs] or [_no_shock(data)]
    all_parts = [str(p) for p in project.tables.parts["part_number"]]
    sheet = VariantsSheet(
        note=(f"The mitigation variants saved in the project ({count(len(variants), 'variant')}), scored on "
              f"{data.request.as_of.isoformat()} and compared with the project as it is under "
              + ("each chosen scenario" if data.runs else f"{scenarios[0].name} over {NO_SHOCK_MONTHS} months (no "
                 "scenario chosen)")
              + ": portfolio score and band, red parts, the cost of the element content over the horizon and its "
                "change (with what second sources' prices add), the parts that run short. The real data never "
                "changes."),
        not_applied=broken)
    if not usable:
        return sheet
    for scenario in scenarios:
        try:
            comparison = compare_variants(project, usable, scenario, data.request.as_of, data.reference)
        except MitigationError as exc:  # a variant that adds or removes parts: nothing to compare part by part
            sheet.not_applied.extend((v.name, str(exc)) for v in usable)
            return sheet
        original = comparison.outcomes[0]
        for k, outcome in enumerate(comparison.outcomes):
            changed = usable[k - 1] if k else None
            parts = changed_parts(changed, all_parts) if changed is not None else []
            purchase = outcome.purchase_change
            cost = outcome.scenario_cost - original.scenario_cost
            sheet.scenarios.append(scenario.name)
            sheet.names.append(AS_IT_IS if changed is None else outcome.name)
            sheet.changes.append("\n".join(outcome.changes))
            sheet.part_counts.append(len(parts))
            sheet.parts.append(EVERY_PART if parts and len(parts) == len(all_parts) else ", ".join(parts))
            sheet.scores.append(outcome.portfolio_score)
            sheet.bands.append(BAND_LABELS[band(outcome.portfolio_score)])
            sheet.score_changes.append(outcome.portfolio_score - original.portfolio_score)
            sheet.red_parts.append(outcome.red_parts)
            sheet.scenario_costs.append(outcome.scenario_cost)
            sheet.purchase_changes.append(UNKNOWN_VALUE if purchase is None else purchase)
            sheet.cost_changes.append(UNKNOWN_VALUE if purchase is None else cost + purchase)
            sheet.parts_short.append(outcome.parts_short)
            sheet.value_short.append(outcome.shortfall_cost)
    return sheet


__all__ = ["AS_IT_IS", "EVERY_PART", "NONE_SAVED", "VariantsSheet", "changed_parts", "variants_sheet"]
