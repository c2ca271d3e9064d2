"""What every audience's tools share: catalogue, target, seeding, outcomes, state, stubs."""
