"""The REST gateway: documented HTTP paths mapped onto the core's gRPC calls and envelopes."""
