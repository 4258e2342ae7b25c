"""The kitchen at the edge: POS orders become station tickets, taps and scales become
deductions, PDA scans start lot clocks and record counts, all offline (docs/kitchen.md)."""
