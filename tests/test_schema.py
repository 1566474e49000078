"""Property-based checks of the whole API against its own OpenAPI schema: no input makes the server fail.

The cases are generated from the schema and sent to the live server (bounded number of examples).
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings

from service.api import create_app
from service.settings import Settings

schema = schemathesis.openapi.from_dict(create_app(Settings()).openapi())  # builds routes only; opens no store


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_error(case: schemathesis.Case, live_server: str) -> None:
    response = case.call(base_url=live_server)
    assert response.status_code < 500, f"{case.method} {case.formatted_path} {case.query}: {response.text[:300]}"
