"""RiskDesk: see and price your exposure to rare-earth magnet supply risk."""

__version__ = "0.1.0"
