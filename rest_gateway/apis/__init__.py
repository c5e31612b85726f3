"""The route tables, one module per API."""
