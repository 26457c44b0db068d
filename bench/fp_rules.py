"""Try the matcher's decision rule on recorded hash pairs, without running the benchmarks again.

    python bench/fp_rules.py                        # both default record files
    python bench/fp_rules.py --scale /tmp/ansim_false_matches_pairs.json \
        --main /tmp/ansim_fp_bench_pairs.json

``bench/bench_false_matches.py`` (10,000 vault fingerprints, 100,000 unrelated candidates) and
``bench/bench_fingerprints.py`` (true copies and unrelated pictures) record every (candidate,
vault item) pair that comes within a family's review distance, hash by hash, with the pair's
keypoint verdicts (``bench/fp_pairs.py``). This script applies the rule of the code as it is
now (``vault.matching.THRESHOLDS`` and ``pair_band``) to those records:

- from the scale record: false matches per 100,000 candidates at the decision threshold, by
  family, and per family how many candidates have an unrelated pair at or under each distance
  (the margin below a family's *probable* value);
- from the benchmark's record: recall per transform and per target group, and false matches.

An item the hash stage leaves undecided is counted as the keypoint stage's if its recorded
verdict (either orientation) is strong or probable, whether or not the shortlist would have
picked it: generous to recall, strict on false matches. Matches that came from the keypoint
stage alone (no hash pair recorded) are taken from the record's search results as they were.
So the figures are close to, but not the same as, a run of the benchmarks; the benchmarks
themselves give the figures in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from vault import matching  # noqa: E402

DECIDED = ("strong", "probable")
_ORDER = {"strong": 0, "probable": 1, "needs_review": 2}
TARGETS = {"re-encode/resize/filter": 99.0, "mirror/90-degree turns": 97.0,
           "crops <=20%/borders/rotation <=5": 90.0, "screenshots/overlays": 85.0}


def hash_band(pair: dict[str, Any]) -> tuple[str | None, str]:
    """The hash stage's best band for one recorded (candidate, item) pair, and its family."""
    best: tuple[str | None, str] = (None, "")
    for h in pair["hits"]:
        band = matching.pair_band(h["family"], h["distance"], h["query"]["pdq"],
                                  h["stored"]["pdq"], h["query"]["quality"],
                                  h["stored"]["quality"])
        if band is not None and (best[0] is None or _ORDER[band] < _ORDER[best[0]]):
            best = (band, h["family"])
    return best


def keypoint_band(pair: dict[str, Any]) -> str | None:
    bands = [k["band"] for k in pair["keypoints"] if k["band"]]
    return min(bands, key=_ORDER.__getitem__) if bands else None


def decision(pair: dict[str, Any]) -> str | None:
    """'hash:<family>' or 'keypoints' when the pair is matched at the decision threshold."""
    band, family = hash_band(pair)
    if band in DECIDED:
        return f"hash:{family}"
    if keypoint_band(pair) in DECIDED:
        return "keypoints"
    return None


def _plain(h: dict[str, Any]) -> bool:
    """Either hash of a recorded pair is a plain pattern."""
    return (matching.pattern_distance(h["query"]["pdq"]) <= matching.PATTERN_BITS
            or matching.pattern_distance(h["stored"]["pdq"]) <= matching.PATTERN_BITS)


def _weak(h: dict[str, Any]) -> bool:
    """Either hash of a recorded pair is weak (low PDQ quality; only some families care)."""
    return min(h["query"]["quality"], h["stored"]["quality"]) < matching.WEAK_QUALITY


def scale_summary(data: dict[str, Any]) -> dict[str, Any]:
    """What the rule of the code as it is now makes of a scale record: candidates with a false
    match, matches by stage and family, and per family the closest unrelated pairs against
    its decision values."""
    per_family: Counter[str] = Counter()
    candidates_with = 0
    examples: Counter[str] = Counter()
    # For each family, the distances of unrelated pairs that could decide: at the strong
    # distance (no plain pattern), and at the probable one (no weak hash either).
    could_be_strong: dict[str, list[int]] = defaultdict(list)
    could_be_probable: dict[str, list[int]] = defaultdict(list)
    # Candidates by how many bits their closest pair is above the decision value it could reach.
    above: Counter[int] = Counter()
    for rec in data["records"]:
        matched = False
        recorded = {p["item"] for p in rec["pairs"]}
        nearest = 999
        for p in rec["pairs"]:
            how = decision(p)
            if how is not None:
                matched = True
                per_family[how] += 1
                examples[f"{p['item_names']} / {rec['names']} ({how})"] += 1
            for h in p["hits"]:
                if _plain(h):
                    continue
                family, d = h["family"], h["distance"]
                strong, probable, _review = matching.THRESHOLDS[family][1]
                could_be_strong[family].append(d)
                nearest = min(nearest, d - strong)
                if not _weak(h) or family not in matching.WEAK_GATED:
                    could_be_probable[family].append(d)
                    nearest = min(nearest, d - probable)
        if nearest < 999:
            above[nearest] += 1
        for item, band, how in rec["found"]:
            if band in DECIDED and how.startswith("keypoints") and int(item) not in recorded:
                matched = True
                per_family["keypoints"] += 1
        candidates_with += matched
    margins = {}
    for family, (_how, (strong, probable, review)) in matching.THRESHOLDS.items():
        margins[family] = ((strong, min(could_be_strong[family], default=None)),
                           (probable, min(could_be_probable[family], default=None)), review)
    return {"candidates": data["candidates"], "with_false_match": candidates_with,
            "by_family": per_family, "examples": examples, "margins": margins,
            "above": [sum(above[j] for j in range(k + 1)) for k in range(21)]}


def margin_lines(summary: dict[str, Any]) -> list[str]:
    """The closest unrelated pairs per family, as Markdown table rows."""
    rows = ["| family | strong | closest unrelated (margin) | probable | "
            "closest unrelated, no weak hash (margin) | review |",
            "|---|---:|---:|---:|---:|---:|"]
    def cell(value: int, seen: int | None, review: int) -> str:
        return f"{seen} ({seen - value})" if seen is not None else f"> {review}"

    for family, ((strong, s_seen), (probable, p_seen), review) in summary["margins"].items():
        rows.append(f"| {family} | {strong} | {cell(strong, s_seen, review)} | {probable} | "
                    f"{cell(probable, p_seen, review)} | {review} |")
    return rows


def scale_report(path: Path) -> None:
    data = json.loads(path.read_text())
    summary = scale_summary(data)
    n = summary["candidates"]
    print(f"Scale record {path}: {n:,} candidates against {data['vault_items']:,} vault items.")
    print(f"Candidates with a false match at the decision threshold: "
          f"{summary['with_false_match']} "
          f"({100_000 * summary['with_false_match'] / n:.2f} per 100,000).")
    print("Matches by stage and family: " + (", ".join(
        f"{k} {v}" for k, v in sorted(summary["by_family"].items())) or "none"))
    for text, count in summary["examples"].most_common(12):
        print(f"  {count} x {text}")
    print("Closest unrelated pairs per family (strong: pairs without a plain-pattern hash; "
          "probable: also without a weak hash; '> review': none within the review distance):")
    print("\n".join(margin_lines(summary)))
    print("Candidates whose closest unrelated pair is at most k bits above the decision value "
          "it could reach (recorded up to each family's review distance): "
          + ", ".join(f"{k}: {c}" for k, c in enumerate(summary["above"])))


def main_report(path: Path) -> None:
    data = json.loads(path.read_text())
    per: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    by: Counter[str] = Counter()
    false = 0
    for rec in data["records"]:
        for p in rec["pairs"]:
            how = decision(p)
            if p["true"]:
                cell = per[(rec["group"], rec["transform"])]
                cell[0] += how is not None
                cell[1] += 1
                if how is not None:
                    by[how.split(":")[0]] += 1
            elif how is not None:
                false += 1
    print(f"\nBenchmark record {path}: {data['true_copies']:,} true copies.")
    groups: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for (group, transform), (hit, n) in per.items():
        groups[group][0] += hit
        groups[group][1] += n
        print(f"  {transform:32s} {100 * hit / n:5.1f} %")
    for group, (hit, n) in groups.items():
        target = TARGETS.get(group)
        mark = "" if target is None else (" (target met)" if 100 * hit / n >= target
                                          else f" (TARGET {target:.0f} % MISSED)")
        print(f"{group:40s} {100 * hit / n:5.1f} %{mark}")
    print(f"False matches among unrelated pairs: {false}; true copies decided by "
          + ", ".join(f"{k} {v}" for k, v in sorted(by.items())))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=Path, default=Path("/tmp/ansim_false_matches_pairs.json"))
    ap.add_argument("--main", type=Path, default=Path("/tmp/ansim_fp_bench_pairs.json"))
    a = ap.parse_args()
    if a.scale.exists():
        scale_report(a.scale)
    if a.main.exists():
        main_report(a.main)


if __name__ == "__main__":
    main()
