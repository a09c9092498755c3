"""The pytest plugin: fixtures and options for running gatewatch suites under pytest."""

from __future__ import annotations
