"""The dialog that makes or edits a mitigation variant: its name and a list of changes, each one of the four kinds
of `riskdesk.core.mitigations` (move a supply path, add a second source, use another grade, hold more stock) with
its fields as widgets filled from the project (parts, suppliers, countries, magnet families).

OK builds the `Variant` from the widgets and applies it to a copy of the project (`Variant.apply`): a change that
cannot apply (a part or supply path that does not exist, a country RiskDesk does not know …) keeps the dialog open
with the message, so nothing invalid reaches the project.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from riskdesk.core.countries import CountryTable, default_countries
from riskdesk.core.domain import STAGES, Evidence, MagnetFamily
from riskdesk.core.labels import BAND_COLORS
from riskdesk.core.mitigations import (
    ORIGINAL,
    AddSource,
    AddStock,
    Change,
    ChangeGrade,
    MitigationError,
    MovePath,
    Variant,
    usual_countries,
)
from riskdesk.core.project import Project
from riskdesk.core.scenarios import unique_name
from riskdesk.io.normalize import derive_supplier_id

KINDS: dict[str, tuple[str, str]] = {
    "move_path": ("Move a supply path",
                  "Move one of the part's supply paths to another supplier and/or other stage countries"),
    "add_source": ("Add a second source",
                   "A new supply path for the part at a share of its volume; its other paths shrink in proportion"),
    "change_grade": ("Use another grade",
                     "Another magnet grade (and family) for the part; the new grade's default composition applies"),
    "add_stock": ("Hold more stock", "More days of stock on hand for one part or every part"),
}
"""Each kind of change: its label in the Add menu and what it does."""

EVERY_PART = "*"
UNKNOWN_WORDS = frozenset({"unknown", "?", "-", "—"})
_CODE_IN_PARENS = re.compile(r"\(([A-Za-z]{2})\)\s*$")


def _country_code(text: str, countries: CountryTable) -> str:
    """The ISO code of what was typed: "Japan (JP)" (the completer's form), "JP", "Japan", "Nippon" …; "" for
    blank or "unknown"; the text itself when it is no country (so that `Variant.apply` names it)."""
    text = text.strip()
    if not text or text.casefold() in UNKNOWN_WORDS:
        return ""
    match = _CODE_IN_PARENS.search(text)
    if match and countries.get(match.group(1).upper()) is not None:
        return match.group(1).upper()
    return countries.resolve(text) or text


def _completing_combo(items: Sequence[str], editable: bool = True) -> QComboBox:
    box = QComboBox()
    box.setEditable(editable)
    box.addItems(list(items))
    if editable:
        box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        completer = QCompleter(box.model(), box)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        box.setCompleter(completer)
    return box


def _set_combo_text(box: QComboBox, text: str) -> None:
    """Show `text` in a combo: its item if there is one, else (editable) as typed."""
    index = box.findText(text)
    if index >= 0:
        box.setCurrentIndex(index)
    elif box.isEditable():
        box.setEditText(text)
    else:
        box.addItem(text)
        box.setCurrentIndex(box.count() - 1)


class CountryField(QLineEdit):
    """A stage's country: an ISO code or a name (completed from the bundled countries), resolved with
    `riskdesk.core.countries` when the variant is built. The resolved country shows in the tooltip."""

    def __init__(self, countries: CountryTable, stage: str, placeholder: str) -> None:
        super().__init__()
        self._countries = countries
        entries = sorted(f"{countries.name(code)} ({code})" for code in countries.codes())
        completer = QCompleter(entries, self)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setCompleter(completer)
        self.setPlaceholderText(placeholder)
        self.setAccessibleName(f"{stage} country")
        self.textChanged.connect(self._show_resolved)
        self._show_resolved("")

    def code(self) -> str:
        return _country_code(self.text(), self._countries)

    def set_code(self, code: str) -> None:
        if not code:
            self.setText("")
        elif self._countries.get(code) is not None:
            self.setText(f"{self._countries.name(code)} ({code})")
        else:
            self.setText(code)

    def _show_resolved(self, _text: str) -> None:
        code = self.code()
        if not self.text().strip():
            self.setToolTip("An ISO code (JP) or a country's name")
        elif self._countries.get(code) is not None:
            self.setToolTip(f"{self._countries.name(code)} ({code})")
        elif not code:
            self.setToolTip("Unknown: counted as the worst case, as in the scores")
        else:
            self.setToolTip(f"{self.text()!r} is not a country RiskDesk knows: use an ISO code such as JP")


class ChangeForm(QWidget):
    """The fields of one change; `change()` builds it. `edited` fires when a field changes."""

    edited = Signal()
    KIND = ""

    def __init__(self, project: Project, countries: CountryTable) -> None:
        super().__init__()
        self.project = project
        self.countries = countries
        self.form = QFormLayout(self)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        title = QLabel(f"<b>{KINDS[self.KIND][0]}</b><br><small>{KINDS[self.KIND][1]}</small>")
        title.setWordWrap(True)
        self.form.addRow(title)

    def change(self) -> Change:
        raise NotImplementedError

    def set_change(self, change: Change) -> None:
        raise NotImplementedError

    # -- shared fields

    def part_numbers(self) -> list[str]:
        return [str(p) for p in self.project.tables.parts["part_number"]]

    def supplier_ids(self) -> list[str]:
        return [str(s) for s in self.project.tables.suppliers["supplier_id"]]

    def _part_box(self, every: bool = False) -> QComboBox:
        items = (["Every part"] if every else []) + self.part_numbers()
        box = _completing_combo(items)
        box.setAccessibleName("Part")
        box.setToolTip("The part number (type to search)")
        box.currentTextChanged.connect(lambda _t: self.edited.emit())
        return box

    def _part_of(self, box: QComboBox) -> str:
        text = box.currentText().strip()
        return EVERY_PART if text == "Every part" else text

    def _connect(self, *widgets: QWidget) -> None:
        for widget in widgets:
            if isinstance(widget, QLineEdit):
                widget.textChanged.connect(lambda _t: self.edited.emit())
            elif isinstance(widget, QComboBox):
                widget.currentTextChanged.connect(lambda _t: self.edited.emit())
            elif isinstance(widget, QDoubleSpinBox):
                widget.valueChanged.connect(lambda _v: self.edited.emit())

    def _country_fields(self, placeholder: Callable[[str], str]) -> dict[str, CountryField]:
        fields = {}
        for stage in STAGES:
            field = CountryField(self.countries, stage.label, placeholder(stage.value))
            self._connect(field)
            self.form.addRow(f"{stage.label.capitalize()} country:", field)
            fields[stage.value] = field
        return fields


class MovePathForm(ChangeForm):
    KIND = "move_path"

    def __init__(self, project: Project, countries: CountryTable) -> None:
        super().__init__(project, countries)
        self.part_box = self._part_box()
        self.from_box = QComboBox()
        self.from_box.setAccessibleName("From supplier")
        self.from_box.setToolTip("The supplier of the path to move (the part's suppliers)")
        self.to_box = _completing_combo(["", *self.supplier_ids()])
        self.to_box.setAccessibleName("To supplier")
        self.to_box.setToolTip("The supplier that takes the path over: one of the project's, or a new supplier id. "
                               "Blank: the same supplier")
        line_edit = self.to_box.lineEdit()
        if line_edit is not None:
            line_edit.setPlaceholderText("same supplier")
        self.evidence_box = QComboBox()
        self.evidence_box.setAccessibleName("Evidence")
        self.evidence_box.addItem("as it is", "")
        for evidence in Evidence:
            self.evidence_box.addItem(evidence.value, evidence.value)
        self.evidence_box.setToolTip("How the new countries are known")
        self.form.addRow("&Part:", self.part_box)
        self.form.addRow("&From supplier:", self.from_box)
        self.form.addRow("&To supplier:", self.to_box)
        hint = QLabel("<small>Blank: the stage keeps its country; type <i>unknown</i> for an unknown "
                      "origin.</small>")
        hint.setWordWrap(True)
        self.form.addRow(hint)
        self.country_fields = self._country_fields(self._current_country)
        self.form.addRow("&Evidence:", self.evidence_box)
        self._connect(self.from_box, self.to_box, self.evidence_box)
        self.part_box.currentTextChanged.connect(self._fill_suppliers)
        self.from_box.currentTextChanged.connect(self._show_current_countries)
        self._fill_suppliers()

    def _paths_of_part(self) -> list[str]:
        paths = self.project.tables.paths
        part = self._part_of(self.part_box)
        return [str(s) for s in dict.fromkeys(paths.loc[paths["part_number"] == part, "supplier_id"])]

    def _fill_suppliers(self, *_args: object) -> None:
        keep = self.from_box.currentText()
        self.from_box.blockSignals(True)
        self.from_box.clear()
        self.from_box.addItems(self._paths_of_part())
        if keep in self._paths_of_part():
            _set_combo_text(self.from_box, keep)
        self.from_box.blockSignals(False)
        self._show_current_countries()
        self.edited.emit()

    def _current_country(self, stage: str) -> str:
        paths = self.project.tables.paths
        rows = paths[(paths["part_number"] == self._part_of(self.part_box))
                     & (paths["supplier_id"] == self.from_box.currentText())]
        if not len(rows):
            return "keep"
        code = str(rows[f"{stage}_country"].iloc[0])
        return f"keep ({code or 'unknown'})"

    def _show_current_countries(self, *_args: object) -> None:
        for stage, field in self.country_fields.items():
            field.setPlaceholderText(self._current_country(stage))

    def change(self) -> MovePath:
        to = self.to_box.currentText().strip()
        source = self.from_box.currentText().strip()
        countries = {}
        for stage, field in self.country_fields.items():
            if field.text().strip():
                countries[stage] = field.code()
        return MovePath(self._part_of(self.part_box), source, "" if to == source else to, countries,
                        str(self.evidence_box.currentData() or ""))

    def set_change(self, change: Change) -> None:
        assert isinstance(change, MovePath)
        _set_combo_text(self.part_box, change.part_number)
        self._fill_suppliers()
        _set_combo_text(self.from_box, change.supplier_id)
        _set_combo_text(self.to_box, change.to_supplier_id)
        for stage, field in self.country_fields.items():
            code = change.countries.get(stage)
            if code is None:
                field.setText("")
            elif code:
                field.set_code(code)
            else:
                field.setText("unknown")
        index = self.evidence_box.findData(change.evidence)
        self.evidence_box.setCurrentIndex(max(index, 0))


class AddSourceForm(ChangeForm):
    KIND = "add_source"

    def __init__(self, project: Project, countries: CountryTable) -> None:
        super().__init__(project, countries)
        self.part_box = self._part_box()
        self.supplier_box = _completing_combo(self.supplier_ids())
        self.supplier_box.setAccessibleName("Supplier")
        self.supplier_box.setToolTip("One of the project's suppliers. For a new supplier, leave this blank and give "
                                     "its name below (an id is made from the name), or type an id of your own")
        self.supplier_box.setCurrentIndex(-1)
        self.name_edit = QLineEdit()
        self.name_edit.setAccessibleName("New supplier's name")
        self.name_edit.setPlaceholderText("for a new supplier")
        self.price_spin = QDoubleSpinBox()
        self.price_spin.setRange(0.0, 10_000_000.0)
        self.price_spin.setDecimals(2)
        self.price_spin.setPrefix("$ ")
        self.price_spin.setSpecialValueText("unknown")
        self.price_spin.setGroupSeparatorShown(True)
        self.price_spin.setAccessibleName("Second source's unit price")
        self.price_spin.setToolTip("What the second source charges per unit, in USD. While it is unknown, so is "
                                   "what the variant costs against the original")
        self.price_note = QLabel()
        self.price_note.setObjectName("partPrice")
        price_row = QHBoxLayout()
        price_row.addWidget(self.price_spin, 1)
        price_row.addWidget(self.price_note)
        self.share_spin = QDoubleSpinBox()
        self.share_spin.setRange(0.1, 99.9)
        self.share_spin.setDecimals(1)
        self.share_spin.setSuffix(" %")
        self.share_spin.setValue(30.0)
        self.share_spin.setAccessibleName("Share of the part's volume")
        self.share_spin.setToolTip("The new source's share of the part's volume; the part's other paths shrink in "
                                   "proportion")
        self.evidence_box = QComboBox()
        self.evidence_box.setAccessibleName("Evidence")
        for evidence in Evidence:
            self.evidence_box.addItem(evidence.value, evidence.value)
        self.evidence_box.setCurrentIndex(self.evidence_box.findData(Evidence.DECLARED.value))
        self.evidence_box.setToolTip("How the new path's countries are known")
        self.form.addRow("&Part:", self.part_box)
        self.form.addRow("&Supplier:", self.supplier_box)
        self.form.addRow("Supplier na&me:", self.name_edit)
        self.form.addRow("S&hare:", self.share_spin)
        price_label = QLabel("Unit p&rice:")
        price_label.setBuddy(self.price_spin)
        self.form.addRow(price_label, price_row)
        hint = QLabel("<small>A stage left blank is of unknown origin (counted as the worst case).</small>")
        hint.setWordWrap(True)
        self.form.addRow(hint)
        self.country_fields = self._country_fields(lambda _stage: "unknown")
        self.form.addRow("&Evidence:", self.evidence_box)
        self._connect(self.supplier_box, self.name_edit, self.share_spin, self.evidence_box, self.price_spin)
        self._filled: dict[str, str] | None = None
        """The countries last filled in from a chosen supplier's other paths (replaced while untouched)."""
        self.supplier_box.currentTextChanged.connect(self._name_for_new_only)
        self.supplier_box.currentTextChanged.connect(self._countries_of_supplier)
        self.name_edit.textChanged.connect(self._show_new_id)
        self.part_box.currentTextChanged.connect(self._show_part_price)
        self._name_for_new_only()
        self._show_part_price()

    def supplier_id(self) -> str:
        """The supplier typed or chosen; for a new supplier given only by name, an id made from the name (the id of
        a supplier of the project with that name; a new one never takes an id already used)."""
        typed = self.supplier_box.currentText().strip()
        name = self.name_edit.text().strip()
        if typed or not name:
            return typed
        suppliers = self.project.tables.suppliers
        same_name = suppliers.loc[suppliers["supplier_name"].astype(str).str.strip().str.casefold()
                                  == name.casefold(), "supplier_id"]
        if len(same_name):
            return str(same_name.iloc[0])
        taken = set(self.supplier_ids())
        base = derive_supplier_id(name)
        candidate, n = base, 2
        while candidate in taken:
            candidate, n = f"{base}-{n}", n + 1
        return candidate

    def _show_new_id(self, *_args: object) -> None:
        line_edit = self.supplier_box.lineEdit()
        if line_edit is not None:
            name = self.name_edit.text().strip()
            line_edit.setPlaceholderText(f"new: {self.supplier_id()} (from the name)" if name else "")

    def _show_part_price(self, *_args: object) -> None:
        parts = self.project.tables.parts
        price = parts.loc[parts["part_number"] == self._part_of(self.part_box), "unit_price"]
        known = len(price) and price.iloc[0] == price.iloc[0]
        self.price_note.setText(f"now ${float(price.iloc[0]):,.2f} a unit" if known else "")

    def _name_for_new_only(self, *_args: object) -> None:
        new = self.supplier_box.currentText().strip() not in set(self.supplier_ids())
        self.name_edit.setEnabled(new)

    def _countries_of_supplier(self, *_args: object) -> None:
        """A supplier of the project brings its usual countries (those of most of its paths) into the blank
        stages, for the user to check; a new supplier's stages stay blank (unknown)."""
        shown = {stage: field.code() for stage, field in self.country_fields.items()}
        if any(shown.values()) and shown != self._filled:
            return  # the user's own countries: never overwritten
        usual = usual_countries(self.project.tables, self.supplier_box.currentText().strip())
        for stage, field in self.country_fields.items():
            field.set_code(usual.get(stage, ""))
        self._filled = {stage: usual.get(stage, "") for stage in self.country_fields}

    def change(self) -> AddSource:
        countries = {stage: field.code() for stage, field in self.country_fields.items() if field.text().strip()}
        name = self.name_edit.text().strip() if self.name_edit.isEnabled() else ""
        price = self.price_spin.value()
        return AddSource(self._part_of(self.part_box), self.supplier_id(), round(self.share_spin.value(), 1),
                         countries, str(self.evidence_box.currentData()), name,
                         unit_price=round(price, 2) if price > 0 else None)

    def set_change(self, change: Change) -> None:
        assert isinstance(change, AddSource)
        _set_combo_text(self.part_box, change.part_number)
        _set_combo_text(self.supplier_box, change.supplier_id)
        self.name_edit.setText(change.supplier_name)
        self.share_spin.setValue(change.share_pct)
        self.price_spin.setValue(change.unit_price or 0.0)
        for stage, field in self.country_fields.items():
            field.set_code(change.countries.get(stage, ""))
        index = self.evidence_box.findData(change.evidence)
        if index < 0:
            self.evidence_box.addItem(change.evidence, change.evidence)
            index = self.evidence_box.count() - 1
        self.evidence_box.setCurrentIndex(index)


class ChangeGradeForm(ChangeForm):
    KIND = "change_grade"

    def __init__(self, project: Project, countries: CountryTable) -> None:
        super().__init__(project, countries)
        self.part_box = self._part_box()
        self.grade_edit = QLineEdit()
        self.grade_edit.setAccessibleName("Grade")
        self.grade_edit.setToolTip("The new grade as suppliers write it: N42SH, N45 GBD-Tb, Sm2Co17, YXG-28 …")
        self.family_box = QComboBox()
        self.family_box.setAccessibleName("Magnet family")
        self.family_box.addItem("as it is", "")
        for family in MagnetFamily:
            self.family_box.addItem(family.value, family.value)
        self.family_box.setToolTip("The magnet family of the new grade (as it is: the part's)")
        self.form.addRow("&Part:", self.part_box)
        self.form.addRow("&Grade:", self.grade_edit)
        self.form.addRow("&Family:", self.family_box)
        self._connect(self.grade_edit, self.family_box)
        self.part_box.currentTextChanged.connect(self._show_current_grade)
        self._show_current_grade()

    def _show_current_grade(self, *_args: object) -> None:
        parts = self.project.tables.parts
        rows = parts[parts["part_number"] == self._part_of(self.part_box)]
        if len(rows):
            self.grade_edit.setPlaceholderText(f"now {rows['grade'].iloc[0] or 'not given'}")
            self.family_box.setItemText(0, f"as it is ({rows['magnet_family'].iloc[0]})")

    def change(self) -> ChangeGrade:
        return ChangeGrade(self._part_of(self.part_box), self.grade_edit.text().strip(),
                           str(self.family_box.currentData() or ""))

    def set_change(self, change: Change) -> None:
        assert isinstance(change, ChangeGrade)
        _set_combo_text(self.part_box, change.part_number)
        self.grade_edit.setText(change.grade)
        index = self.family_box.findData(change.family)
        if index < 0:
            self.family_box.addItem(change.family, change.family)
            index = self.family_box.count() - 1
        self.family_box.setCurrentIndex(index)


class AddStockForm(ChangeForm):
    KIND = "add_stock"

    def __init__(self, project: Project, countries: CountryTable) -> None:
        super().__init__(project, countries)
        self.part_box = self._part_box(every=True)
        self.days_spin = QDoubleSpinBox()
        self.days_spin.setRange(-3650.0, 3650.0)
        self.days_spin.setDecimals(0)
        self.days_spin.setSuffix(" days")
        self.days_spin.setValue(30.0)
        self.days_spin.setAccessibleName("More days of stock")
        self.days_spin.setToolTip("Days of the part's full consumption added to its stock on hand (a negative "
                                  "number holds less; never below none)")
        self.form.addRow("&Part:", self.part_box)
        self.form.addRow("&More stock:", self.days_spin)
        self._connect(self.days_spin)

    def change(self) -> AddStock:
        return AddStock(self._part_of(self.part_box), float(self.days_spin.value()))

    def set_change(self, change: Change) -> None:
        assert isinstance(change, AddStock)
        _set_combo_text(self.part_box, "Every part" if change.part_number == EVERY_PART else change.part_number)
        self.days_spin.setValue(change.days)


def _incomplete(change: Change) -> str | None:
    """What a change lacks that the core would accept but makes no sense (a blank grade or supplier, a move that
    moves nothing), or None."""
    if isinstance(change, ChangeGrade) and not change.grade:
        return f"{change.part_number}: give the new grade (e.g. N42SH)."
    if isinstance(change, AddSource) and not change.supplier_id:
        return (f"{change.part_number}: choose the second source's supplier (one of the project's), or give a new "
                "supplier's name.")
    if isinstance(change, MovePath) and not (change.to_supplier_id or change.countries or change.evidence):
        return (f"{change.part_number}: moving the path from {change.supplier_id or '(no supplier)'} changes "
                "nothing: choose another supplier or give a stage's new country.")
    return None


FORMS: dict[str, type[ChangeForm]] = {form.KIND: form for form in (MovePathForm, AddSourceForm, ChangeGradeForm,
                                                                      AddStockForm)}


class VariantDialog(QDialog):
    """Make (`variant` None) or edit a variant of `project`; `variants` are the project's, for unique names.

    After `exec()` returns Accepted, `variant()` is the checked variant."""

    def __init__(self, project: Project, variants: Sequence[Variant], variant: Variant | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self.countries = default_countries()
        self._original = variant
        self._taken = {v.name for v in variants if variant is None or v.name != variant.name}
        self._result: Variant | None = None
        self.setWindowTitle("New variant" if variant is None else f"Edit variant {variant.name!r}")
        self.setAccessibleName(self.windowTitle())

        self.name_edit = QLineEdit(variant.name if variant is not None else unique_name("New variant", self._taken))
        self.name_edit.setAccessibleName("Variant name")
        self.name_edit.setToolTip("A name of its own among the project's variants")
        name_row = QFormLayout()
        name_row.addRow("&Name:", self.name_edit)

        self.change_list = QListWidget()
        self.change_list.setAccessibleName("Changes of the variant")
        self.change_list.setToolTip("The variant's changes, made in this order to a copy of the project")
        self.change_list.setWordWrap(True)
        self.forms = QStackedWidget()
        self.forms.setAccessibleName("The selected change")
        self.empty_form = QLabel("Add a change: move a supply path to another supplier or country, add a second "
                                 "source at a share, use another grade, or hold more stock.")
        self.empty_form.setWordWrap(True)
        self.empty_form.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.forms.addWidget(self.empty_form)
        self.change_list.currentRowChanged.connect(self._show_form)

        self.add_button = QToolButton()
        self.add_button.setText("&Add change")
        self.add_button.setAccessibleName("Add a change")
        self.add_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.add_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.add_button)
        for kind, (label, help_text) in KINDS.items():
            action = menu.addAction(label)
            action.setToolTip(help_text)
            action.triggered.connect(lambda _checked=False, k=kind: self.add_change(k))
        self.add_button.setMenu(menu)
        self.remove_button = QPushButton("&Remove change")
        self.remove_button.setAccessibleName("Remove the selected change")
        self.remove_button.clicked.connect(self.remove_change)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(QLabel("Changes:"))
        left_layout.addWidget(self.change_list, 1)
        buttons_row = QHBoxLayout()
        buttons_row.addWidget(self.add_button)
        buttons_row.addWidget(self.remove_button)
        buttons_row.addStretch(1)
        left_layout.addLayout(buttons_row)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(self.forms)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setChildrenCollapsible(False)

        self.message = QLabel()
        self.message.setObjectName("variantMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setStyleSheet(f"color: {BAND_COLORS['red']};")
        self.message.setAccessibleName("Why the variant cannot be saved")
        self.message.hide()

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(name_row)
        note = QLabel("<small>A variant changes a copy of the project, compared side by side with the original: "
                      "the real data never changes.</small>")
        note.setWordWrap(True)
        layout.addWidget(note)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.resize(760, 480)

        for change in variant.changes if variant is not None else ():
            self.add_change(change.kind, change)
        if variant is not None and self.change_list.count():
            self.change_list.setCurrentRow(0)
        self._update_buttons()

    # -- changes

    def add_change(self, kind: str, change: Change | None = None) -> ChangeForm:
        """Add a change of `kind` ("move_path", "add_source", "change_grade", "add_stock"), filled from `change`
        if given; it becomes the selected one."""
        form = FORMS[kind](self.project, self.countries)
        if change is not None:
            form.set_change(change)
        item = QListWidgetItem()
        self.change_list.addItem(item)
        self.forms.addWidget(form)
        form.edited.connect(lambda: self._describe(form))
        self._describe(form)
        self.change_list.setCurrentRow(self.change_list.count() - 1)
        self._update_buttons()
        return form

    def remove_change(self) -> None:
        row = self.change_list.currentRow()
        if row < 0:
            return
        form = self.form_at(row)
        self.change_list.takeItem(row)
        self.forms.removeWidget(form)
        form.deleteLater()
        self._show_form(self.change_list.currentRow())
        self._update_buttons()

    def form_at(self, row: int) -> ChangeForm:
        form = self.forms.widget(row + 1)
        assert isinstance(form, ChangeForm)
        return form

    def _show_form(self, row: int) -> None:
        self.forms.setCurrentIndex(row + 1 if row >= 0 else 0)
        self._update_buttons()

    def _describe(self, form: ChangeForm) -> None:
        row = self.forms.indexOf(form) - 1
        item = self.change_list.item(row)
        if item is None:
            return
        try:
            text = form.change().describe()
        except (TypeError, ValueError) as exc:  # a half-typed field: say so in the list, OK will refuse it
            text = f"{KINDS[form.KIND][0]}: {exc}"
        item.setText(text)
        item.setToolTip(text)
        self.message.hide()

    def _update_buttons(self) -> None:
        self.remove_button.setEnabled(self.change_list.currentRow() >= 0)

    # -- the result

    def build(self) -> Variant:
        """The variant as the widgets say (not checked)."""
        changes = tuple(self.form_at(row).change() for row in range(self.change_list.count()))
        return Variant(self.name_edit.text().strip(), changes)

    def problem(self, variant: Variant) -> str | None:
        """Why `variant` cannot be saved, or None."""
        if not variant.name:
            return "Give the variant a name."
        if variant.name.casefold() == ORIGINAL.casefold():
            return f"{ORIGINAL!r} is the project as it is: give the variant another name."
        if variant.name in self._taken:
            return f"There is already a variant {variant.name!r}: give this one another name."
        if not variant.changes:
            return "Add at least one change: a variant without changes is the original."
        # The changes one by one on a copy, as Variant.apply makes them, to select the one that fails.
        copy = Variant(variant.name).apply(self.project)
        for row, change in enumerate(variant.changes):
            problem = _incomplete(change)
            if problem is None:
                try:
                    change.apply(copy.tables)
                except MitigationError as exc:
                    problem = f"{exc}. Correct the change (or remove it)."
                except (TypeError, ValueError, KeyError) as exc:
                    problem = f"This change cannot be made: {exc}"
            if problem is not None:
                self.change_list.setCurrentRow(row)
                return problem
        return None

    def accept(self) -> None:
        variant = self.build()
        problem = self.problem(variant)
        if problem is not None:
            self.message.setText(problem)
            self.message.show()
            return
        self._result = variant
        super().accept()

    def variant(self) -> Variant | None:
        """The checked variant once accepted, else None."""
        return self._result


def edit_variant(project: Project, variants: Sequence[Variant], variant: Variant | None,
                 parent: QWidget | None) -> Variant | None:
    """Ask for a new variant (`variant` None) or changes to one; None when cancelled."""
    dialog = VariantDialog(project, variants, variant, parent)
    try:
        return dialog.variant() if dialog.exec() == QDialog.DialogCode.Accepted else None
    finally:
        dialog.deleteLater()
