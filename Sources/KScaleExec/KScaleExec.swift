// Executor: see docs/architecture.md.
