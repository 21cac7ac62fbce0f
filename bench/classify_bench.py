"""The classifier on the cited corpus (tests/corpus/cited/): accuracy and time per mail.

    python bench/classify_bench.py [--repeat N] [--misses]

Prints the share of mails whose kinds are exactly right per language group and per kind,
the confusion matrix of the first kind (expected → decided), how many mails no person wrote
were left unanswered, and the time to parse and classify one mail (p50/p95, ms) over
``--repeat`` passes, with the Finnish lemmatiser's share of it (the issue's ceiling: 2 ms
per mail at p95), the first pass (cold caches) apart; ``--misses`` also lists each mail
decided wrong, with what was expected, what was decided and the evidence.  It runs the
mailbot's own rules (``mailbot.explain.decide``) and needs no database.
"""

from __future__ import annotations

import argparse
import sys
import time
import tomllib
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _common import percentiles  # noqa: E402

from mailbot import lemmas  # noqa: E402
from mailbot.explain import decide  # noqa: E402
from store.config import load_settings  # noqa: E402

CITED = ROOT / "tests" / "corpus" / "cited"
AUTOMATIC = {"auto_reply", "spam", "list", "bounce"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timing passes (default 5)")
    parser.add_argument(
        "--misses", action="store_true", help="list the mails decided wrong, with the evidence"
    )
    args = parser.parse_args()
    settings = load_settings(environ={})
    manifest = tomllib.loads((CITED / "MANIFEST.toml").read_text(encoding="utf-8"))
    mails = {name: (CITED / f"{name}.eml").read_bytes() for name in manifest}

    timings: list[float] = []
    lemma_timings: list[list[float]] = []
    spent = [0.0]
    for name in ("lemmatized", "spoken_to_written"):
        plain = getattr(lemmas, name)

        def timed(text: str, plain: object = plain) -> str:
            started = time.perf_counter()
            try:
                return str(plain(text))  # type: ignore[operator]
            finally:
                spent[0] += time.perf_counter() - started

        setattr(lemmas, name, timed)
    lemmas.warm_up()
    decisions = {}
    for _ in range(args.repeat):
        lemma_timings.append([])
        for name, raw in mails.items():
            spent[0] = 0.0
            started = time.perf_counter()
            decisions[name] = decide(
                name,
                raw,
                settings,
                replies_to_newsletter=manifest[name].get("answers_marketing", False),
            )
            timings.append((time.perf_counter() - started) * 1000)
            lemma_timings[-1].append(spent[0] * 1000)

    groups: dict[str, list[bool]] = defaultdict(list)
    kinds_found: dict[str, list[bool]] = defaultdict(list)
    confusion: Counter[tuple[str, str]] = Counter()
    unanswered = []
    misses = []
    for name, entry in manifest.items():
        decision = decisions[name]
        expected = set(entry["kinds"])
        got = set(decision.kinds) - {"other"}
        right = got == expected
        if not right:
            misses.append((name, expected, decision))
        language = entry["language"]
        group = language if language in ("fi", "sv", "en") else "other EU"
        groups["all"].append(right)
        groups[group].append(right)
        for kind in expected:
            kinds_found[kind].append(kind in got)
        first_expected = entry["kinds"][0] if entry["kinds"] else "none"
        first_got = (
            decision.kinds[0]
            if decision.kinds and decision.kinds[0] != "other"
            else ("ignored" if decision.reason else "none")
        )
        confusion[(first_expected, first_got)] += 1
        if entry.get("category") in AUTOMATIC:
            unanswered.append(not decision.acknowledged)

    print(f"classify bench: {len(manifest)} cited mails, {args.repeat} timing passes")
    for group in ("all", "fi", "sv", "en", "other EU"):
        results = groups[group]
        print(
            f"  right {group:9} {sum(results):4}/{len(results):<4} "
            f"{100 * sum(results) / max(1, len(results)):5.1f} %"
        )
    for kind, results in sorted(kinds_found.items()):
        print(f"  found {kind:14} {sum(results):4}/{len(results):<4}")
    print(f"  mail no person wrote, unanswered: {sum(unanswered)}/{len(unanswered)}")
    labels = sorted({label for pair in confusion for label in pair})
    print("  confusion (rows expected, columns decided):")
    print("    " + " ".join(f"{label[:6]:>6}" for label in ["", *labels]))
    for expected in labels:
        print(
            "    "
            + f"{expected[:6]:>6} "
            + " ".join(f"{confusion[(expected, got)] or '.':>6}" for got in labels)
        )
    several = [
        set(decisions[name].kinds) == set(entry["kinds"])
        for name, entry in manifest.items()
        if len(entry["kinds"]) > 1
    ]
    print(f"  letters asking for several rights, all parts found: {sum(several)}/{len(several)}")
    median, p95 = percentiles(timings)
    print(f"  parse + classify per mail: p50 {median:.2f} ms, p95 {p95:.2f} ms")
    cold = percentiles(lemma_timings[0])
    warm = percentiles([t for one_pass in lemma_timings[1:] for t in one_pass] or [0.0])
    print(
        f"  of which the lemmatiser: first pass p50 {cold[0]:.2f} ms, p95 {cold[1]:.2f} ms;"
        f" later passes p50 {warm[0]:.2f} ms, p95 {warm[1]:.2f} ms (ceiling 2 ms at p95)"
    )
    if args.misses:
        print(f"  misses ({len(misses)}):")
        for name, expected, decision in misses:
            got = "+".join(decision.kinds) if decision.kinds else f"ignored: {decision.reason}"
            print(f"    {name}: expected {'+'.join(sorted(expected)) or 'nothing'}, got {got}")
            for kind, sentences in decision.evidence.items():
                for sentence in sentences[:3]:
                    print(f"        {kind}: {sentence[:110]}")


if __name__ == "__main__":
    main()
