"""The scenario editor: name, first month, horizon, price basis, price shocks and supply cuts of one scenario.

What the user types is turned into the scenario-file shape and read by the same parser as scenario files
(`riskdesk.core.scenarios.parse_scenario`), so the window accepts exactly what a file may say and its messages name
the same keys. A row left as it was keeps the sources and confidence marks it came with (a preset's); a row the
user changes is the user's own and loses them. An invalid scenario keeps the dialog open with the message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from riskdesk.core.labels import PRICE_BASES
from riskdesk.core.numbers import read_number
from riskdesk.core.scenarios import (
    CUT_STAGES,
    ELEMENT_GROUPS,
    FIRST_START,
    LAST_START,
    LICENCE_REVIEW_DAYS,
    MAX_HORIZON_MONTHS,
    PRICE_SHAPES,
    Scenario,
    ScenarioError,
    check_bounds,
    parse_scenario,
)
from riskdesk.core.vocabulary import BASES

_PROVENANCE_KEYS = ("note", "confidence", "timing_confidence", "sources")
_OriginalRole = Qt.ItemDataRole.UserRole + 1


@dataclass(frozen=True)
class _Field:
    """A column of a shock or cut table: its file key, header, how a cell is read and written, and its help."""

    key: str
    title: str
    kind: str
    """"list" (comma-separated), "choice", "number", "whole", "percent" (a share shown in %), "text", "flag"."""
    help: str
    choices: tuple[str, ...] = ()
    default: str = ""


_GROUPS_HELP = ", ".join(ELEMENT_GROUPS)
_EITHER_BASIS = "either"
"""A shock without a price basis of its own moves prices on either basis."""
SHOCK_FIELDS: tuple[_Field, ...] = (
    _Field("elements", "Elements", "list", f"Element symbols or groups ({_GROUPS_HELP}), comma-separated", (),
           "Dy"),
    _Field("shape", "Shape", "choice", "step: the full move every month; ramp: rising to it; decay: easing from it",
           PRICE_SHAPES, "step"),
    _Field("multiplier", "× price", "number", "The price times this at the full move (leave empty to give a price)",
           (), "2"),
    _Field("price_usd_per_kg", "Price USD/kg", "number",
           "Or the price at the full move, USD per kg of contained element (leave × price empty)"),
    _Field("from_month", "From month", "whole", "The first month of the shock (1 = the scenario's first)", (), "1"),
    _Field("months", "Months", "whole", "How many months the shock lasts", (), "6"),
    _Field("price_basis", "On prices", "choice", "either: the shock moves both price bases; china or ex-china: only "
           "that basis (e.g. April 2025 moved ex-China Dy while Chinese domestic prices held)",
           (_EITHER_BASIS, *BASES), _EITHER_BASIS),
)
CUT_FIELDS: tuple[_Field, ...] = (
    _Field("elements", "Elements", "list", "Element symbols or groups, comma-separated; empty: the whole magnet "
           "(any rare-earth magnet)"),
    _Field("countries", "Countries", "list", "ISO codes (CN, MM) or group:NAME, comma-separated; empty: every "
           "country", (), "CN"),
    _Field("stages", "Stages", "list", f"One or more of {', '.join(CUT_STAGES)}, comma-separated", (), "magnet"),
    _Field("share_lost", "Share lost %", "percent", "Share of the supply through those paths that is lost, 0–100 %",
           (), "100"),
    _Field("from_day", "From day", "whole", "The first day of the cut (1 = the scenario's first day)", (), "1"),
    _Field("days", "Days", "whole", "How many days the cut lasts", (), str(LICENCE_REVIEW_DAYS)),
    _Field("rule", "Rule", "text", "A control-rule id: the rule decides which paths the cut reaches (optional)"),
    _Field("stock_usable", "Stock usable", "choice", "no for a prohibition: stock cannot make a prohibited magnet "
           "compliant", ("yes", "no"), "yes"),
    _Field("import_countries", "Buyers in", "list", "Only for a buyer importing into one of these countries (ISO "
           "codes, comma-separated); empty: every buyer"),
)


def _cell_text(field: _Field, value: object) -> str:
    if value is None:
        return ""
    if field.kind == "list":
        return ", ".join(str(v) for v in value) if isinstance(value, list | tuple) else str(value)
    if field.kind == "percent":
        return f"{float(value) * 100:g}"  # type: ignore[arg-type]
    if field.kind == "choice" and field.key == "stock_usable":
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _cell_value(field: _Field, text: str, where: str) -> object:
    """The file value of a cell; raises ScenarioError naming `where`."""
    text = text.strip()
    if field.kind == "list":
        return [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]
    if field.kind == "choice" and field.key == "stock_usable":
        return text != "no"
    if field.kind == "choice" and text == _EITHER_BASIS:
        return ""
    if field.kind in ("number", "whole", "percent"):
        if not text:
            return None
        try:
            number = read_number(text.rstrip("%").strip())
        except ValueError:
            raise ScenarioError(where, text, "not a number") from None
        if field.kind == "percent":
            return number / 100.0
        if field.kind == "whole":
            if number != int(number):
                raise ScenarioError(where, text, "a whole number")
            return int(number)
        return number
    return text


class _ItemTable(QWidget):
    """A small table of shocks or cuts with Add and Remove buttons."""

    def __init__(self, title: str, fields: Sequence[_Field], noun: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.fields = tuple(fields)
        self.noun = noun
        self.table = QTableWidget(0, len(self.fields))
        self.table.setAccessibleName(title)
        self.table.setHorizontalHeaderLabels([f.title for f in self.fields])
        for column, field in enumerate(self.fields):
            header = self.table.horizontalHeaderItem(column)
            if header is not None:
                header.setToolTip(field.help)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(True)
        self.add_button = QPushButton(f"Add {noun}")
        self.add_button.clicked.connect(lambda: self.add_row({}))
        self.remove_button = QPushButton("Remove")
        self.remove_button.clicked.connect(self.remove_selected)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)

    def add_row(self, data: dict[str, Any]) -> int:
        """A row showing `data` (a shock or cut in the file shape; empty: the defaults)."""
        row = self.table.rowCount()
        self.table.insertRow(row)
        for column, field in enumerate(self.fields):
            text = _cell_text(field, data[field.key]) if field.key in data else ("" if data else field.default)
            if field.kind == "choice":
                box = QComboBox()
                box.addItems(list(field.choices))
                box.setCurrentIndex(max(box.findText(text or field.default), 0))
                box.setToolTip(field.help)
                self.table.setCellWidget(row, column, box)
            else:
                item = QTableWidgetItem(text)
                item.setToolTip(field.help)
                self.table.setItem(row, column, item)
        first = self.table.item(row, 0) or QTableWidgetItem()
        first.setData(_OriginalRole, data or None)
        if self.table.item(row, 0) is None:
            self.table.setItem(row, 0, first)
        self.table.resizeColumnsToContents()
        return row

    def remove_selected(self) -> None:
        rows = sorted({index.row() for index in self.table.selectedIndexes()}, reverse=True)
        if not rows and self.table.currentRow() >= 0:
            rows = [self.table.currentRow()]
        for row in rows:
            self.table.removeRow(row)

    def cell(self, row: int, column: int) -> str:
        widget = self.table.cellWidget(row, column)
        if isinstance(widget, QComboBox):
            return widget.currentText()
        item = self.table.item(row, column)
        return item.text() if item is not None else ""

    def items(self, list_key: str) -> list[dict[str, Any]]:
        """The rows in the file shape; a row left unchanged keeps its sources and marks. Raises ScenarioError."""
        result = []
        for row in range(self.table.rowCount()):
            data: dict[str, Any] = {}
            for column, field in enumerate(self.fields):
                value = _cell_value(field, self.cell(row, column), f"{list_key}[{row + 1}].{field.key}")
                if value is not None and value != "" and not (field.key == "stock_usable" and value is True):
                    data[field.key] = value
            first = self.table.item(row, 0)
            original = first.data(_OriginalRole) if first is not None else None
            if isinstance(original, dict) and _same(original, data, self.fields):
                data.update({k: original[k] for k in _PROVENANCE_KEYS if k in original})
            result.append(data)
        return result


def _same(original: dict[str, Any], edited: dict[str, Any], fields: Sequence[_Field]) -> bool:
    """Whether the user left a row as it was (values compared as the table shows them)."""
    def shown(field: _Field, data: dict[str, Any]) -> str:
        return _cell_text(field, data.get(field.key, True if field.key == "stock_usable" else None))

    return all(shown(f, original) == shown(f, edited) for f in fields)


class ScenarioDialog(QDialog):
    """Edit a scenario (or make a new one): OK returns it in `scenario` if it reads as a scenario file would."""

    def __init__(self, scenario: Scenario, taken_names: Sequence[str], known_rules: Sequence[str],
                 parent: QWidget | None = None, title: str = "Edit scenario") -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setObjectName("scenarioDialog")
        self.resize(980, 640)
        self._taken = {name.casefold() for name in taken_names}
        self._known_rules = frozenset(known_rules)
        self._original = scenario
        self.scenario: Scenario | None = None

        self.name_edit = QLineEdit(scenario.name)
        self.name_edit.setAccessibleName("Scenario name")
        self.description_edit = QLineEdit(scenario.description)
        self.description_edit.setAccessibleName("Description")
        self.start_edit = QDateEdit(QDate(scenario.start.year, scenario.start.month, 1))
        self.start_edit.setDisplayFormat("yyyy-MM")
        self.start_edit.setDateRange(QDate(FIRST_START.year, FIRST_START.month, 1),
                                     QDate(LAST_START.year, LAST_START.month, 28))
        self.start_edit.setCalendarPopup(True)
        self.start_edit.setAccessibleName("First month")
        self.horizon_spin = QSpinBox()
        self.horizon_spin.setRange(1, MAX_HORIZON_MONTHS)
        self.horizon_spin.setValue(scenario.horizon_months)
        self.horizon_spin.setSuffix(" months")
        self.horizon_spin.setAccessibleName("Horizon")
        self.basis_box = QComboBox()
        self.basis_box.setAccessibleName("Price basis")
        for key, (label, help_text) in PRICE_BASES.items():
            self.basis_box.addItem(label, key)
            self.basis_box.setItemData(self.basis_box.count() - 1, help_text, Qt.ItemDataRole.ToolTipRole)
        self.basis_box.setCurrentIndex(max(self.basis_box.findData(scenario.price_basis), 0))

        form = QFormLayout()
        form.addRow("&Name", self.name_edit)
        form.addRow("&Description", self.description_edit)
        form.addRow("&First month", self.start_edit)
        form.addRow("&Horizon", self.horizon_spin)
        form.addRow("Price &basis", self.basis_box)

        self.shocks = _ItemTable("Price shocks", SHOCK_FIELDS, "price shock")
        self.cuts = _ItemTable("Supply cuts", CUT_FIELDS, "supply cut")
        data = scenario.to_json()
        for shock in data["price_shocks"]:
            self.shocks.add_row(shock)
        for cut in data["supply_cuts"]:
            self.cuts.add_row(cut)
        shocks_box = QGroupBox("Price shocks (months count from 1 at the first month)")
        QVBoxLayout(shocks_box).addWidget(self.shocks)
        cuts_box = QGroupBox("Supply cuts (days count from 1 on the first day of the first month)")
        QVBoxLayout(cuts_box).addWidget(self.cuts)

        self.message = QLabel()
        self.message.setObjectName("scenarioMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b3261e")
        self.message.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(shocks_box, 1)
        layout.addWidget(cuts_box, 1)
        layout.addWidget(self.message)
        layout.addWidget(buttons)

    def data(self) -> dict[str, Any]:
        """What the dialog says, in the scenario-file shape. Raises ScenarioError for a cell it cannot read."""
        start = self.start_edit.date()
        data: dict[str, Any] = {
            "name": self.name_edit.text().strip(),
            "start": f"{start.year():04d}-{start.month():02d}",
            "horizon_months": self.horizon_spin.value(),
            "price_basis": str(self.basis_box.currentData()),
            "price_shocks": self.shocks.items("price_shocks"),
            "supply_cuts": self.cuts.items("supply_cuts"),
        }
        if self.description_edit.text().strip():
            data["description"] = self.description_edit.text().strip()
        if self._original.preset:
            data["preset"] = self._original.preset
        return data

    def read(self) -> Scenario:
        """The scenario the dialog describes; raises ScenarioError (named key and value) when it is not one."""
        data = self.data()
        name = str(data["name"])
        if name.casefold() in self._taken:
            raise ScenarioError("name", name, "another scenario of this project has that name")
        scenario = parse_scenario(data, self._known_rules)
        check_bounds(scenario)
        return scenario

    def accept(self) -> None:
        try:
            self.scenario = self.read()
        except ScenarioError as exc:
            self.show_problem(exc)
            return
        super().accept()

    def show_problem(self, exc: ScenarioError) -> None:
        self.message.setText(f"This is not a scenario yet: {_friendly(exc)}. Correct it, or Cancel.")
        self.message.show()


def _friendly(exc: ScenarioError) -> str:
    """ "price_shocks[2].multiplier = 0: …" → "price shock 2, × price: 0: …" """
    key = exc.key
    if not key:
        return exc.message
    for list_key, noun, fields in (("price_shocks", "price shock", SHOCK_FIELDS),
                                   ("supply_cuts", "supply cut", CUT_FIELDS)):
        if key.startswith(list_key + "["):
            number, _, rest = key[len(list_key) + 1:].partition("]")
            titles = {f.key: f.title for f in fields}
            field = rest.lstrip(".")
            return f"{noun} {number}, {titles.get(field, field) or 'row'}: {exc.detail()}"
    return f"{key.replace('_', ' ')}: {exc.detail()}"


def edit_scenario(scenario: Scenario, taken_names: Sequence[str], known_rules: Sequence[str], parent: QWidget | None,
                  title: str, run: Callable[[QDialog], int] | None = None) -> Scenario | None:
    """Open the editor; the edited scenario, or None when cancelled. `run` executes the dialog (tests script it)."""
    dialog = ScenarioDialog(scenario, taken_names, known_rules, parent, title)
    result = (run or (lambda d: d.exec()))(dialog)
    return dialog.scenario if result == QDialog.DialogCode.Accepted else None


def new_scenario_template(start: dt.date) -> Scenario:
    """What "New scenario" starts from: a Dy price doubling for six months from the first month."""
    return parse_scenario({"name": "My scenario", "start": f"{start.year:04d}-{start.month:02d}",
                           "price_basis": "china",
                           "price_shocks": [{"elements": ["Dy"], "shape": "step", "multiplier": 2.0,
                                             "from_month": 1, "months": 6}]})
