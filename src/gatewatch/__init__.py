"""gatewatch: contract tests, load tests and a synthetic probe for a partner gateway."""
