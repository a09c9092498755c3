"""The core: what every engine stands on, and nothing above it.

Typed configuration and keys, the HTTP client with its pacing and redaction, the
exchange records, the options of every command, the records of every file a run writes
and where they go, and the one way a command opens a run (the embedded simulator
included, started as a child process). It knows the contract and nothing else of
gatewatch: no engine, no report, no command line (tests/core/test_architecture.py).
"""
