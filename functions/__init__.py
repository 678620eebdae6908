"""Lambda entry points, one module per function: parse, call a service, shape the response."""
