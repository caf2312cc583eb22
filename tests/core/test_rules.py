"""The bundled control list: dated status, sources and marks, validation of a newer file, and diffs."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from riskdesk.core.datafile import DataFileError
from riskdesk.core.resources import resource_path
from riskdesk.core.rules import RuleStatus, default_control_list, load_control_list

D = dt.date.fromisoformat


def state(rule_id, day, suspended_in_force=False):
    return default_control_list().by_id(rule_id).state_on(D(day), suspended_in_force)


def test_every_rule_carries_sources_and_a_confidence_mark():
    for rule in default_control_list().rules:
        assert rule.sources and all(s.title for s in rule.sources), rule.id
        assert rule.confidence in {"C", "S", "D", "U", "X"}, rule.id


def test_april_licensing_in_force_from_publication_and_never_suspended():
    assert state("CN-MOFCOM-2025-18", "2025-04-03").status is RuleStatus.NOT_ANNOUNCED
    assert state("CN-MOFCOM-2025-18", "2025-04-04").status is RuleStatus.IN_FORCE
    assert state("CN-MOFCOM-2025-18", "2026-11-23").status is RuleStatus.IN_FORCE


@pytest.mark.parametrize("rule_id", ["CN-MOFCOM-2025-57", "CN-MOFCOM-2025-61-1"])
def test_october_rules_announced_then_suspended_then_unknown(rule_id):
    assert state(rule_id, "2025-10-08").status is RuleStatus.NOT_ANNOUNCED
    assert state(rule_id, "2025-10-09").status is RuleStatus.ANNOUNCED
    suspended = state(rule_id, "2026-11-10")
    assert suspended.status is RuleStatus.SUSPENDED and "No. 70" in suspended.reason
    after = state(rule_id, "2026-11-11")
    assert after.status is RuleStatus.UNKNOWN and not after.effective
    assert state(rule_id, "2026-11-11", suspended_in_force=True).effective


def test_dfars_upstream_waits_for_2027():
    assert state("US-DFARS-7052-UPSTREAM", "2026-12-31").status is RuleStatus.ANNOUNCED
    assert state("US-DFARS-7052-UPSTREAM", "2027-01-01").status is RuleStatus.IN_FORCE


def copy_list(tmp_path):
    target = tmp_path / "list.toml"
    shutil.copy(resource_path("rules", "control_list.toml"), target)
    return target


def test_a_broken_list_is_refused_naming_the_rule_and_field(tmp_path):
    path = copy_list(tmp_path)
    text = path.read_text(encoding="utf-8").replace('effect = "tariff"', 'effect = "tarif"', 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataFileError) as info:
        load_control_list(path)
    assert "US-301-MAGNETS" in str(info.value) and "effect" in str(info.value)


def test_a_list_without_sources_is_refused(tmp_path):
    path = tmp_path / "list.toml"
    path.write_text('title = "t"\nversion = "1"\ndate = 2026-01-01\n[[rule]]\nid = "X"\nregime = "r"\n'
                    'instrument = "i"\ntitle = "t"\neffect = "watch"\nelements = ["Dy"]\nstages = ["magnet"]\n'
                    'countries = ["CN"]\nannounced = 2026-01-01\neffective_from = 2026-01-01\nconfidence = "C"\n',
                    encoding="utf-8")
    with pytest.raises(DataFileError, match="sources"):
        load_control_list(path)


def test_diff_against_a_newer_list_names_added_and_changed_rules(tmp_path):
    path = copy_list(tmp_path)
    text = path.read_text(encoding="utf-8")
    text = text.replace('version = "2026.12.06"', 'version = "2026.12.07"')
    text = text.replace('after_suspension = "unknown"', 'after_suspension = "in_force"', 1)
    text += ('\n[[rule]]\nid = "NEW-1"\nregime = "r"\ninstrument = "i"\ntitle = "t"\neffect = "watch"\n'
             'elements = ["Dy"]\nstages = ["magnet"]\ncountries = ["CN"]\nannounced = 2026-12-01\n'
             'effective_from = 2026-12-01\nconfidence = "U"\nsources = [{ title = "x" }]\n')
    path.write_text(text, encoding="utf-8")
    diff = default_control_list().diff(load_control_list(path))
    assert diff.added == ["NEW-1"]
    assert diff.changed == {"CN-MOFCOM-2025-57": ["after_suspension"]}
    assert "2026.12.07" in diff.lines()[0]
    assert "~ CN-MOFCOM-2025-57: after_suspension unknown → in_force" in diff.lines()


def test_the_diff_says_a_changed_rate_and_date_old_and_new_and_a_long_field_only_changed(tmp_path):
    """A buyer reading `rules --diff` sees what the new figure is, not only that there is one."""
    import dataclasses

    from riskdesk.core.datafile import Source

    older = default_control_list()
    rule = older.by_id("US-301-MAGNETS")
    newer_rule = dataclasses.replace(rule, rate_pct=50.0, effective_from=dt.date(2027, 1, 1),
                                     sources=(*rule.sources, Source(title="A notice with a long title " * 3)))
    newer = dataclasses.replace(older, version=older.version + "x",
                                rules=tuple(newer_rule if r.id == rule.id else r for r in older.rules))

    (line,) = [line for line in older.diff(newer).lines() if line.startswith("~")]

    assert line == (f"~ US-301-MAGNETS: effective_from {rule.effective_from} → 2027-01-01; sources changed; rate_pct "
                    f"{rule.rate_pct:g} → 50")


def test_no_61_item_3_binds_from_its_publication_until_the_suspension():
    assert state("CN-MOFCOM-2025-61-3", "2025-10-08").status is RuleStatus.NOT_ANNOUNCED
    assert state("CN-MOFCOM-2025-61-3", "2025-10-09").status is RuleStatus.IN_FORCE
    assert state("CN-MOFCOM-2025-61-3", "2025-11-06").status is RuleStatus.IN_FORCE
    assert state("CN-MOFCOM-2025-61-3", "2025-11-07").status is RuleStatus.SUSPENDED
    assert state("CN-MOFCOM-2025-61-1", "2025-10-09").status is RuleStatus.ANNOUNCED


def test_treating_suspended_rules_as_in_force_never_activates_a_rule_before_its_own_date():
    # No. 57 was suspended on 2025-11-07, the day before it was due.
    assert not state("CN-MOFCOM-2025-57", "2025-11-07", suspended_in_force=True).effective
    assert state("CN-MOFCOM-2025-57", "2025-11-08", suspended_in_force=True).effective


def test_a_suspended_rule_says_when_it_is_due_back_and_as_what():
    suspended = state("CN-MOFCOM-2025-61-MIL", "2026-06-01")
    assert suspended.binds_on == D("2026-11-11") and suspended.binds_as is RuleStatus.UNKNOWN
    announced = state("US-DFARS-7052-UPSTREAM", "2026-11-29")
    assert announced.binds_on == D("2027-01-01") and "in 33 days" in announced.reason


def test_a_rule_held_in_place_until_a_date_becomes_unknown_after_it():
    assert state("US-IEEPA-CN-RECIPROCAL", "2026-11-10").status is RuleStatus.IN_FORCE
    after = state("US-IEEPA-CN-RECIPROCAL", "2026-11-11")
    assert after.status is RuleStatus.UNKNOWN and "2026-11-10" in after.reason


def test_general_licence_holders_are_found_by_the_supplier_name_in_any_spelling():
    control_list = default_control_list()
    assert control_list.licence_holder("JL MAG Rare-Earth Co., Ltd.").id == "GL-JLMAG"
    assert control_list.licence_holder("宁波韵升股份有限公司").id == "GL-YUNSHENG"
    assert control_list.licence_holder("Hokuriku Magnet Works") is None
    assert all(h.sources and h.confidence for h in control_list.general_licences)


@pytest.mark.parametrize(("old", "new", "field"), [
    ('effective_from = 2026-01-01', 'effective_from = 2026-01-01\neffective_until = 2025-01-01', "effective_until"),
    ('until = 2026-11-10, by = "MOFCOM & GACC Announcement 2025 No. 70" }]\nafter_suspension = "unknown"\n'
     'confidence = "C"\nnote = """Never',
     'until = 2025-01-10, by = "MOFCOM & GACC Announcement 2025 No. 70" }]\nafter_suspension = "unknown"\n'
     'confidence = "C"\nnote = """Never', "suspensions"),
    ("rate_pct = 25.0\nelements", "rate_pct = nan\nelements", "rate_pct"),
    ("rate_pct = 25.0\nelements", "rate_pct = -1e308\nelements", "rate_pct"),
    ('title = "25 % Section 301', 'titel = "x"\ntitle = "25 % Section 301', "titel"),
])
def test_a_list_with_impossible_or_misspelt_fields_is_refused_naming_them(tmp_path, old, new, field):
    path = copy_list(tmp_path)
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(DataFileError) as info:
        load_control_list(path)
    assert field in str(info.value)


def test_the_next_status_changes_come_from_the_rules_dates():
    import datetime as dt

    from riskdesk.core.rules import RuleStatus, default_control_list

    changes = default_control_list().status_changes(dt.date(2026, 11, 1), 3)
    first = changes[0]
    assert first.day == dt.date(2026, 11, 11)  # the day after the No. 70 suspension ended
    statuses = {rule.id: (before, now) for rule, before, now in first.changes}
    assert statuses["CN-MOFCOM-2025-61-1"] == (RuleStatus.SUSPENDED, RuleStatus.UNKNOWN)
    assert changes[1].day == dt.date(2027, 1, 1) and "US-DFARS-7052-UPSTREAM" in changes[1].describe()
    assert default_control_list().status_changes(dt.date(2027, 1, 1)) == []
