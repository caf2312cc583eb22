"""The variants list of the Mitigations panel and its commands: the project's variants (copies of the project with
changes) with New, Edit, Duplicate and Delete, each one undoable step (`Document.change_variants`).

    variants = VariantList(context)
    variants.fill(broken)                   # list the project's variants again (after a change, undo, a new project)
    variants.mark_broken(broken)            # (name, why) of the variants the comparison left out: shown in red
    variants.selection_changed.connect(...)

The panel that holds it says when to fill it (it hears of the project's changes) and which variants are broken.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from riskdesk.core.labels import BAND_COLORS
from riskdesk.core.mitigations import Variant
from riskdesk.core.scenarios import unique_name

if TYPE_CHECKING:
    from riskdesk.ui.analysis import ViewContext


class VariantList(QWidget):
    """The project's variants with New, Edit, Duplicate and Delete (see the module docstring)."""

    selection_changed = Signal()
    """Another variant (or none) was selected."""

    def __init__(self, context: ViewContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._document = context.document
        self._build()

    def _build(self) -> None:
        self.variant_list = QListWidget()
        self.variant_list.setObjectName("variantList")
        self.variant_list.setAccessibleName("Variants")
        self.variant_list.setToolTip("The project's variants: copies of the project with changes, compared with the "
                                     "original. Double-click to edit")
        self.variant_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.variant_list.currentRowChanged.connect(self._on_current_changed)
        self.variant_list.itemDoubleClicked.connect(lambda _item: self.edit_variant())

        self.new_button = QPushButton("&New variant…")
        self.new_button.setToolTip("Make a variant: a copy of the project with changes (another supplier or country, "
                                   "a second source, another grade, more stock)")
        self.new_button.clicked.connect(self.new_variant)
        self.edit_button = QPushButton("Ed&it…")
        self.edit_button.setToolTip("Change the selected variant's name or changes")
        self.edit_button.setAccessibleName("Edit variant")
        self.edit_button.clicked.connect(self.edit_variant)
        self.duplicate_button = QPushButton("D&uplicate")
        self.duplicate_button.setToolTip("A copy of the selected variant, to try something close to it")
        self.duplicate_button.setAccessibleName("Duplicate variant")
        self.duplicate_button.clicked.connect(self.duplicate_variant)
        self.delete_button = QPushButton("&Delete")
        self.delete_button.setToolTip("Delete the selected variant (Undo brings it back)")
        self.delete_button.setAccessibleName("Delete variant")
        self.delete_button.clicked.connect(self.delete_variant)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        title = QLabel("<b>Variants</b>")
        title.setBuddy(self.variant_list)
        layout.addWidget(title)
        layout.addWidget(self.variant_list, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.edit_button)
        layout.addLayout(buttons)
        buttons = QHBoxLayout()
        buttons.addWidget(self.duplicate_button)
        buttons.addWidget(self.delete_button)
        layout.addLayout(buttons)
        self._update_buttons()

    # ---- state ------------------------------------------------------------------------------------------------

    def variant_names(self) -> list[str]:
        return [self.variant_list.item(row).text() for row in range(self.variant_list.count())]

    def selected_variant(self) -> Variant | None:
        row = self.variant_list.currentRow()
        variants = self._document.project.variants
        return variants[row] if 0 <= row < len(variants) else None

    def select_variant(self, name: str) -> bool:
        for row, variant in enumerate(self._document.project.variants):
            if variant.name == name:
                self.variant_list.setCurrentRow(row)
                return True
        return False

    # ---- the list ---------------------------------------------------------------------------------------------

    def fill(self, broken: tuple[tuple[str, str], ...]) -> None:
        """List the project's variants again, keeping the selection where the variant is still there; `broken` as
        in `mark_broken`."""
        current = self.variant_list.currentItem()
        keep = current.text() if current is not None else None
        self.variant_list.blockSignals(True)
        self.variant_list.clear()
        for variant in self._document.project.variants:
            self.variant_list.addItem(QListWidgetItem(variant.name))
        self.variant_list.blockSignals(False)
        self.mark_broken(broken)
        if keep is None or not self.select_variant(keep):
            self.variant_list.setCurrentRow(0 if self.variant_list.count() else -1)
        self._update_buttons()

    def mark_broken(self, broken: tuple[tuple[str, str], ...]) -> None:
        """Variants that cannot be compared show in red in the list, with the reason in their tooltip."""
        reasons = dict(broken)
        for row, variant in enumerate(self._document.project.variants):
            item = self.variant_list.item(row)
            if item is None:
                continue
            changes = "\n".join(f"• {c.describe()}" for c in variant.changes) or "no change"
            why = reasons.get(variant.name)
            item.setForeground(QColor(BAND_COLORS["red"]) if why else self.variant_list.palette().text())
            item.setToolTip(f"{variant.name}\n{changes}" + (f"\n\nCannot be compared: {why}" if why else ""))

    def _update_buttons(self) -> None:
        selected = self.selected_variant() is not None
        for button in (self.edit_button, self.duplicate_button, self.delete_button):
            button.setEnabled(selected)

    def _on_current_changed(self, _row: int) -> None:
        self._update_buttons()
        self.selection_changed.emit()

    # ---- editing (one undoable step each) ---------------------------------------------------------------------

    def new_variant(self) -> None:
        variants = list(self._document.project.variants)
        variant = self._context.dialogs.edit_variant(self._document.project, variants, None)
        if variant is None:
            return
        self._document.change_variants([*variants, variant], f"Add variant '{variant.name}'")
        self.select_variant(variant.name)

    def edit_variant(self) -> None:
        old, row = self.selected_variant(), self.variant_list.currentRow()
        if old is None:
            return
        variants = list(self._document.project.variants)
        new = self._context.dialogs.edit_variant(self._document.project, variants, old)
        if new is None or new == old:
            return
        variants[row] = new
        text = (f"Rename variant '{old.name}' to '{new.name}'" if new.changes == old.changes
                else f"Edit variant '{new.name}'")
        self._document.change_variants(variants, text)
        self.select_variant(new.name)

    def duplicate_variant(self) -> None:
        old, row = self.selected_variant(), self.variant_list.currentRow()
        if old is None:
            return
        variants = list(self._document.project.variants)
        copy = dataclasses.replace(old, name=unique_name(old.name, (v.name for v in variants)))
        variants.insert(row + 1, copy)
        self._document.change_variants(variants, f"Duplicate variant '{old.name}'")
        self.select_variant(copy.name)

    def delete_variant(self) -> None:
        old, row = self.selected_variant(), self.variant_list.currentRow()
        if old is None:
            return
        variants = list(self._document.project.variants)
        del variants[row]
        self._document.change_variants(variants, f"Delete variant '{old.name}'")
        if variants:
            self.variant_list.setCurrentRow(min(row, len(variants) - 1))


__all__ = ["VariantList"]
