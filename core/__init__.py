"""Switchyard core: the domains, served over gRPC."""
