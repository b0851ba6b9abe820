// SASL mechanisms; see docs/security.md.
