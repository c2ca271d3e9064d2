"""The maintainers' tools: stubs, release, bench, verify. Not in the student edition;
nothing outside ``kata.dev`` imports it."""
