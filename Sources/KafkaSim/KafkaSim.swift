// KafkaSim: see docs/simulator.md.
