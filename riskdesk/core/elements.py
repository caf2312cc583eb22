"""Chemical elements that matter in permanent magnets, and the oxides their prices are quoted for."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Element:
    symbol: str
    name: str
    atomic_mass: float
    rare_earth: bool
    heavy: bool = False
    """Medium/heavy rare earth in the sense of China's 2025 controls (Sm and heavier, plus Sc and Y)."""


_OXYGEN = 15.999

ELEMENTS: tuple[Element, ...] = (
    Element("Nd", "neodymium", 144.242, True),
    Element("Pr", "praseodymium", 140.908, True),
    Element("Dy", "dysprosium", 162.500, True, heavy=True),
    Element("Tb", "terbium", 158.925, True, heavy=True),
    Element("Sm", "samarium", 150.36, True, heavy=True),
    Element("Gd", "gadolinium", 157.25, True, heavy=True),
    Element("Ce", "cerium", 140.116, True),
    Element("La", "lanthanum", 138.905, True),
    Element("Ho", "holmium", 164.930, True, heavy=True),
    Element("Er", "erbium", 167.259, True, heavy=True),
    Element("Tm", "thulium", 168.934, True, heavy=True),
    Element("Eu", "europium", 151.964, True, heavy=True),
    Element("Yb", "ytterbium", 173.045, True, heavy=True),
    Element("Lu", "lutetium", 174.967, True, heavy=True),
    Element("Sc", "scandium", 44.956, True, heavy=True),
    Element("Y", "yttrium", 88.906, True, heavy=True),
    Element("Co", "cobalt", 58.933, False),
    Element("Fe", "iron", 55.845, False),
    Element("B", "boron", 10.81, False),
    Element("Cu", "copper", 63.546, False),
    Element("Al", "aluminium", 26.982, False),
    Element("Nb", "niobium", 92.906, False),
    Element("Zr", "zirconium", 91.224, False),
    Element("Ga", "gallium", 69.723, False),
    Element("Ni", "nickel", 58.693, False),
    Element("Sr", "strontium", 87.62, False),
    Element("Ba", "barium", 137.327, False),
)

SYMBOLS: tuple[str, ...] = tuple(e.symbol for e in ELEMENTS)
BY_SYMBOL: dict[str, Element] = {e.symbol: e for e in ELEMENTS}
INDEX: dict[str, int] = {s: i for i, s in enumerate(SYMBOLS)}

# Oxide formula → (element, number of metal atoms, number of oxygen atoms).
_OXIDES: dict[str, tuple[str, int, int]] = {
    "Nd2O3": ("Nd", 2, 3),
    "Pr6O11": ("Pr", 6, 11),
    "Pr2O3": ("Pr", 2, 3),
    "Dy2O3": ("Dy", 2, 3),
    "Tb4O7": ("Tb", 4, 7),
    "Tb2O3": ("Tb", 2, 3),
    "Sm2O3": ("Sm", 2, 3),
    "Gd2O3": ("Gd", 2, 3),
    "CeO2": ("Ce", 1, 2),
    "La2O3": ("La", 2, 3),
    "Ho2O3": ("Ho", 2, 3),
    "Er2O3": ("Er", 2, 3),
    "Tm2O3": ("Tm", 2, 3),
    "Eu2O3": ("Eu", 2, 3),
    "Yb2O3": ("Yb", 2, 3),
    "Lu2O3": ("Lu", 2, 3),
    "Sc2O3": ("Sc", 2, 3),
    "Y2O3": ("Y", 2, 3),
    "Co3O4": ("Co", 3, 4),
}


def oxide_element(formula: str) -> str | None:
    """The element an oxide formula is of (case-insensitive), or None if the formula is not known."""
    for known, (symbol, _, _) in _OXIDES.items():
        if known.lower() == formula.strip().lower():
            return symbol
    return None


def element_fraction_of_oxide(formula: str) -> float:
    """Mass fraction of the metal in an oxide, by stoichiometry (Dy2O3 → 0.8713)."""
    for known, (symbol, metal_atoms, oxygen_atoms) in _OXIDES.items():
        if known.lower() == formula.strip().lower():
            metal = metal_atoms * BY_SYMBOL[symbol].atomic_mass
            return metal / (metal + oxygen_atoms * _OXYGEN)
    raise KeyError(f"unknown oxide formula {formula!r}")


def oxide_formulas() -> tuple[str, ...]:
    return tuple(_OXIDES)
