"""The demo project's rows as plain tuples: what `riskdesk.core.demo.demo_project()` builds its tables from, and
what the window shows while the data layer is still loading (no numpy or pandas needed to read them).

Supplier names are invented; stage countries follow the market shares in FACTS.md (China dominant in
separation, metal and magnet making; Australia, Myanmar and the US mining; Japan, Germany, Estonia and
Vietnam making magnets). Each tuple lists its table's columns in the order of `riskdesk.core.domain`.
"""

from __future__ import annotations

from collections.abc import Sequence

NAME = "Demo: US motor and sensor buyer"
IMPORT_COUNTRY = "US"

# supplier_id, name, country, China general licence (yes: it covers this buyer)
SUPPLIERS = [
    ("SUP-CN1", "Baotou Northern Magnetics Co.", "CN", "yes"),
    ("SUP-CN2", "Ganzhou Heavy RE Materials Co.", "CN", ""),
    ("SUP-JP1", "Hokuriku Magnet Works K.K.", "JP", ""),
    ("SUP-DE1", "Rheinland Magnettechnik GmbH", "DE", ""),
    ("SUP-US1", "Texas Permanent Magnets LLC", "US", ""),
    ("SUP-VN1", "Hai Phong Magnet Materials JSC", "VN", ""),
    ("SUP-EE1", "Narva Magnetics OÜ", "EE", ""),
]

# part_number, description, end use, family, grade, magnet g/unit, units/yr, unit price, stock days, DFARS
# (blank: the project setting decides, i.e. DFARS binds the defence parts of this US buyer)
PARTS = [
    ("MTR-TRAC-200", "Traction motor rotor magnet set", "automotive", "NdFeB-sintered", "N38UH", 1800, 40_000, 210.0, 20, ""),
    ("ACT-FIN-07", "Missile fin actuator magnet", "defence", "Sm2Co17", "YXG-28", 120, 2_500, 85.0, 90, ""),
    ("GEN-WTG-DD5", "Direct-drive generator magnet set", "wind", "NdFeB-sintered", "N38SH", 600_000, 120, 48_000.0, 30, ""),
    ("SNS-HALL-12", "Hall sensor bias magnet", "electronics", "NdFeB-bonded", "BNP-8", 0.8, 2_000_000, 0.12, 45, ""),
    ("SRV-ROB-40", "Servo motor magnet arc", "industrial", "NdFeB-sintered", "N45SH", 85, 60_000, 9.5, 35, ""),
    ("RAD-TWT-3", "Travelling-wave tube focusing magnet", "defence", "SmCo5", "YX-20", 45, 800, 140.0, 120, ""),
    ("PMP-EV-COOL", "EV coolant pump rotor magnet", "automotive", "NdFeB-sintered", "N40H", 22, 250_000, 1.8, 15, ""),
    ("DRN-PROP-6", "Drone propulsion motor magnets", "defence", "NdFeB-sintered", "N48H", 60, 12_000, 12.0, 25, ""),
    ("HDD-VCM-2", "Disk drive voice-coil magnet", "electronics", "NdFeB-sintered", "N50", 9, 900_000, 0.9, 10, ""),
    ("ELV-DRV-15", "Elevator gearless drive magnets", "industrial", "NdFeB-sintered", "N42SH", 3200, 1_500, 310.0, 60, ""),
    ("EPS-MTR-8", "Electric power steering motor magnets", "automotive", "NdFeB-sintered", "N44SH", 180, 150_000, 16.0, 28, ""),
    ("GYR-NAV-1", "Navigation gyro magnet", "defence", "Sm2Co17", "Sm2Co17", 15, 3_000, 60.0, 180, ""),
    ("FAN-HVAC-3", "HVAC EC fan motor magnets", "industrial", "ferrite", "Y30BH", 140, 300_000, 0.6, 40, ""),
    ("LDR-MIR-2", "Lidar scanner mirror magnet", "automotive", "NdFeB-sintered", "N35EH", 4, 400_000, 0.5, 12, ""),
    ("EBK-HUB-5", "E-bike hub motor magnets (Ho-doped)", "other", "NdFeB-sintered", "N42H", 320, 30_000, 7.5, 30, ""),
]

# part_number, supplier, share %, mine, feedstock ("" = mined), separation, metal, magnet, evidence
# ("" = unknown country)
PATHS = [
    ("MTR-TRAC-200", "SUP-CN1", 70, "CN", "", "CN", "CN", "CN", "declared"),
    ("MTR-TRAC-200", "SUP-JP1", 30, "AU", "", "MY", "JP", "JP", "verified"),
    ("ACT-FIN-07", "SUP-DE1", 100, "", "", "CN", "DE", "DE", "inferred"),
    ("GEN-WTG-DD5", "SUP-CN1", 60, "CN", "", "CN", "CN", "CN", "declared"),
    ("GEN-WTG-DD5", "SUP-EE1", 40, "AU", "", "", "", "EE", "declared"),
    ("SNS-HALL-12", "SUP-VN1", 100, "CN", "", "CN", "CN", "VN", "declared"),
    ("SRV-ROB-40", "SUP-JP1", 50, "AU", "", "MY", "JP", "JP", "verified"),
    ("SRV-ROB-40", "SUP-CN2", 50, "CN", "", "CN", "CN", "CN", "declared"),
    ("RAD-TWT-3", "SUP-US1", 100, "US", "", "US", "", "US", "declared"),
    ("PMP-EV-COOL", "SUP-CN2", 100, "CN", "", "CN", "CN", "CN", "verified"),
    ("DRN-PROP-6", "SUP-CN1", 100, "MM", "", "CN", "CN", "CN", "declared"),
    ("HDD-VCM-2", "SUP-VN1", 60, "", "", "", "", "VN", "unknown"),
    ("HDD-VCM-2", "SUP-CN1", 40, "CN", "", "CN", "CN", "CN", "declared"),
    ("ELV-DRV-15", "SUP-DE1", 100, "AU", "", "MY", "VN", "DE", "verified"),
    ("EPS-MTR-8", "SUP-JP1", 100, "CN", "", "CN", "JP", "JP", "declared"),
    ("GYR-NAV-1", "SUP-US1", 100, "US", "", "US", "US", "US", "verified"),
    ("FAN-HVAC-3", "SUP-CN2", 100, "CN", "", "CN", "CN", "CN", "declared"),
    ("LDR-MIR-2", "SUP-CN2", 50, "CN", "", "CN", "CN", "CN", "declared"),
    ("LDR-MIR-2", "SUP-JP1", 50, "MM", "", "CN", "JP", "JP", "inferred"),
    ("EBK-HUB-5", "SUP-VN1", 100, "MM", "", "CN", "VN", "VN", "declared"),
]

# Part-specific compositions (wt %) that override the grade: grain-boundary-diffused Dy/Tb, a Ho-doped grade.
COMPOSITION = [
    ("LDR-MIR-2", "Dy", 3.2),
    ("LDR-MIR-2", "Tb", 1.1),
    ("EBK-HUB-5", "Ho", 1.2),
]


def table_rows(table: str) -> list[tuple[object, ...]]:
    """The rows of one of the project's tables ("parts", "suppliers", "paths", "composition"), each as long as the
    table's columns: the columns added after these tuples were written (a stage's own evidence) are blank."""
    from riskdesk.core.fields import table_columns

    width = len(table_columns(table, with_id=False))
    tables: dict[str, Sequence[tuple[object, ...]]] = {"parts": PARTS, "suppliers": SUPPLIERS, "paths": PATHS,
                                                       "composition": COMPOSITION}
    rows = tables[table]
    return [(*row, *("",) * (width - len(row))) for row in rows]
