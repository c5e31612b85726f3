"""Background operations and events: one engine for every API that has long work."""
