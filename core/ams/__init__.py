"""The Anbox Management Service domain."""
