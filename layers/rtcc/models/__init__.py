"""pydantic models: API requests and responses, and domain values."""
