"""The public API under `/api/v1`, with `/metrics`, `/openapi.json` and `/docs`."""
