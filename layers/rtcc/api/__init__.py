"""The REST API: one Powertools resolver, one router per capability."""
