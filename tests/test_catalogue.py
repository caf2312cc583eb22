"""Each field and each setting is declared once (`riskdesk.core.fields`), and everything that shows, reads, writes or
stores one agrees with that declaration: the window's columns, the importer's fields, the import template, the
labels, the project file, the settings view, the Undo texts and the texts that state a number of the method."""

from __future__ import annotations

import dataclasses
import math
import zipfile
from pathlib import Path

import pytest

from riskdesk.core import labels
from riskdesk.core.domain import NUMBER_COLUMNS, NUMBER_LIMITS, STORED_COLUMNS
from riskdesk.core.fields import FIELDS, ROW_ID, SETTINGS, TABLES, FieldKind, by_key, table_columns
from riskdesk.core.project import SETTING_LIMITS, ProjectSettings, ProjectTables
from riskdesk.io import mapping, template
from riskdesk.io.store import schema as project_schema

SHOWN = [f for f in FIELDS if f.kind is not FieldKind.ID]


def test_the_window_shows_each_editable_table_as_the_catalogue_declares_it() -> None:
    from riskdesk.ui.columns import COLUMNS

    for table, columns in COLUMNS.items():
        assert [(c.key, c.kind, c.label, c.help, c.enum, c.required, c.decimals, c.fixed, c.blank_text)
                for c in columns] == [(f.key, f.kind, f.label, f.help, f.enum, f.required, f.decimals, f.fixed,
                                       f.blank_text) for f in FIELDS if f.table == table and f.kind is not FieldKind.ID]


def test_the_project_tables_and_file_have_the_catalogues_columns_and_types() -> None:
    for table in TABLES:
        assert STORED_COLUMNS[table] == table_columns(table) and STORED_COLUMNS[table][0] == ROW_ID
        assert project_schema.TABLES[table] == table_columns(table)
        assert project_schema.SHOWN_COLUMNS[table] == table_columns(table, with_id=False)
        frame = getattr(ProjectTables.empty(), table)
        assert tuple(frame.columns) == table_columns(table)
        numeric = {f.key for f in FIELDS if f.table == table and f.numeric}
        assert {c for c in frame.columns if frame[c].dtype == "float64"} == numeric
    assert {f.key for f in FIELDS if f.numeric} == project_schema.REAL_COLUMNS
    assert dict(NUMBER_COLUMNS) == {f.key: f.number for f in FIELDS if f.numeric}
    assert dict(NUMBER_LIMITS) == {f.key: f.limit for f in FIELDS if f.numeric}


def test_the_importer_reads_catalogue_fields_in_the_catalogues_words() -> None:
    """Every field an import reads is a catalogue field (or an element's content), with the catalogue's meaning,
    allowed values, example and enum, and read as its kind says; the required groups name catalogue fields."""
    catalogued = [spec for spec in mapping.FIELDS.values() if not spec.element]
    assert [spec.name for spec in catalogued] == [spec.name for spec in mapping.TEMPLATE_FIELDS]
    for spec in catalogued:
        source = by_key(spec.name)
        assert (spec.meaning, spec.allowed, spec.example, spec.enum) == (source.help, source.allowed,
                                                                          source.example, source.enum)
        assert spec.kind is mapping.read_as(source)
        assert (spec.kind is mapping.ReadAs.MASS) == (source.number is not None and source.number.value == "mass")
        assert spec.synonyms["en"], f"{spec.name} has no English header words"
    assert {f for group in mapping.REQUIRED_GROUPS for f in group} <= {s.name for s in catalogued}
    assert set(mapping.DEFAULTABLE_FIELDS) <= {s.name for s in catalogued}
    assert {spec.kind for spec in mapping.FIELDS.values() if spec.element} == {mapping.ReadAs.COMPOSITION}


def test_the_template_takes_its_formats_and_notes_from_the_catalogue(tmp_path: Path) -> None:
    path = tmp_path / "template.xlsx"
    template.write_template(path)
    with zipfile.ZipFile(path) as book:
        styles = book.read("xl/styles.xml").decode()
    for name in template.TEMPLATE_HEADERS:
        spec = mapping.FIELDS[name]
        expected = "0.###" if spec.element else by_key(name).number_format
        assert template.number_format(name) == expected
        assert f'formatCode="{expected}"' in styles
    assert by_key("stock_days").number_format == "#,##0.#", "one decimal, as the window shows stock days"
    assert template.required_note("part_number") == "yes"
    assert template.required_note("supplier_id") == "yes, unless supplier_name gives it"
    assert template.required_note("grade") == "no (gives magnet_family when that is empty)"
    assert template.required_note("stock_days") == "no"


def test_labels_are_the_catalogues() -> None:
    for spec in SHOWN:
        assert labels.field_label(spec.key) == spec.label
    assert {f.key for f in SHOWN} == set(labels.FIELD_LABELS)
    by_key_labels: dict[str, set[str]] = {}
    for spec in SHOWN:
        by_key_labels.setdefault(spec.key, set()).add(spec.label)
    assert all(len(found) == 1 for found in by_key_labels.values()), "one key, one label in every table"


def test_every_project_setting_is_declared_once_with_its_words_and_range() -> None:
    keys = [f.name for f in dataclasses.fields(ProjectSettings)]
    assert sorted(keys) == sorted(s.key for s in SETTINGS)
    assert dict(SETTING_LIMITS) == {s.key: s.limit for s in SETTINGS if s.limit is not None}
    assert {s.key: s.in_sentence for s in SETTINGS} == labels.SETTING_LABELS
    assert labels.setting_label("import_country") == "import country"
    assert labels.setting_label("us_defence_supply") == "US defence supply"
    assert labels.setting_help("disruption_days").endswith(f"Default: {ProjectSettings().disruption_days:g} days.")
    for about in SETTINGS:
        default = getattr(ProjectSettings(), about.key)
        if about.limit is not None and isinstance(default, float):
            assert about.limit.problem(default) is None, f"the default of {about.key} is outside its range"


def test_the_reports_settings_block_names_each_setting_by_its_label() -> None:
    rows = labels.settings_as_used(ProjectSettings(disruption_days=90.0), lambda code: f"{code} · somewhere")
    names = [name for name, _ in rows]
    assert names[:7] == [s.label + (f", {s.limit.unit}" if s.limit is not None and s.limit.unit else "")
                         for s in SETTINGS[:7]]
    assert dict(rows)["Disruption length, days"] == 90.0
    assert dict(rows)["Import country"] == "US · somewhere"
    assert names[-1] == "Weights add up to" and math.isclose(dict(rows)["Weights add up to"], 1.0)


def test_texts_that_state_a_number_of_the_method_take_it_from_the_code(monkeypatch: pytest.MonkeyPatch) -> None:
    from riskdesk.core import evaluation, factors, rule_match
    from riskdesk.core.vocabulary import Effect, Stage

    assert labels.band_help() == "Green below 40, amber 40–70, red from 70"
    monkeypatch.setattr(evaluation, "BAND_AMBER", 35.0)
    monkeypatch.setattr(evaluation, "BAND_RED", 65.5)
    assert labels.band_help() == "Green below 35, amber 35–65.5, red from 65.5"

    assert "the heaviest (prohibited 1.0, licence 0.6, watch 0.1)" in labels.FACTOR_HELP["restriction"]
    assert "rate / (100 + rate)" in labels.FACTOR_HELP["restriction"]
    assert "separation and magnet making weigh most (0.35 each, mine and metal 0.15)" in \
        labels.FACTOR_HELP["transparency"]
    assert f"≈ {ProjectSettings().disruption_days:g} calendar days" in labels.FACTOR_HELP["buffer"]
    monkeypatch.setattr(rule_match, "EFFECT_WEIGHT", {**rule_match.EFFECT_WEIGHT, Effect.LICENCE: 0.7})
    monkeypatch.setattr(factors, "TRANSPARENCY_STAGE_WEIGHT", {Stage.MINE: 0.1, Stage.SEPARATION: 0.4,
                                                               Stage.METAL: 0.2, Stage.MAGNET: 0.3})
    rebuilt = labels._factor_help()
    assert "licence 0.7" in rebuilt["restriction"]
    assert "mine 0.1, separation 0.4, metal 0.2, magnet making 0.3" in rebuilt["transparency"]


def test_what_a_blank_means_comes_from_the_catalogue() -> None:
    """Scoring reads a blank end use and a blank evidence as the catalogue's blank ("other", "unknown")."""
    from riskdesk.core.compiled import END_USES, EVIDENCE, compile_project
    from riskdesk.core.demo import demo_project

    project = demo_project()
    tables = project.tables
    parts = tables.parts.copy()
    paths = tables.paths.copy()
    parts.loc[0, "end_use"] = ""
    paths.loc[0, "origin_evidence"] = ""
    compiled = compile_project(dataclasses.replace(project, tables=dataclasses.replace(tables, parts=parts,
                                                                                       paths=paths)))
    assert END_USES[compiled.end_use[0]].value == by_key("end_use").blank
    assert EVIDENCE[compiled.evidence[0]].value == by_key("origin_evidence").blank
