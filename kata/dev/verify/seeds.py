"""Seeds: the solutions pass under several ``KATA_SEED`` values (the statistical
checks are calibrated for any seed)."""

from kata.dev.verify.jobs import Job, short, suite_paths

SEEDS = (1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377, 610, 987, 1597, 2584, 4181, 6765, 10946)


def jobs(exercises: list[str], args) -> list[Job]:
    paths = tuple(p for e in exercises for p in suite_paths(e))
    return [Job(("seed", str(seed)), paths, seed=seed) for seed in SEEDS[: args.seeds]]


def report(verdicts, _exercises, args) -> list[str]:
    print("\nseed sweep: solutions/ under other KATA_SEED values")
    bad = []
    for seed in SEEDS[: args.seeds]:
        got = verdicts.get(("seed", str(seed)), {})
        failed = [n for n, ok in got.items() if not ok]
        ok = got and not failed
        print(
            f"  {'✓' if ok else '✗'} KATA_SEED={seed}: {len(got) - len(failed)}/{len(got)} pass"
            + ("" if ok else f" — {short(failed)}")
        )
        if not ok:
            bad.append(f"solutions fail under KATA_SEED={seed}: {short(failed, 10)}")
    return bad
