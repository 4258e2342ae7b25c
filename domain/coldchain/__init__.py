"""Cold-chain maths and alarm semantics: mean kinetic temperature and excursion detection."""
