#!/usr/bin/env python3
"""Per-topic spread of a plan: for each topic, max - min replicas of that topic per target broker,
before and after the plan. Prints JSON: mean and worst spread, and how many topics sit at the
best any placement could reach (ceil - floor of replicas / brokers, so 0 or 1).

  scripts/topic-spread.py CLUSTER.json PLAN.json [--remove 28,29,30]
Target brokers are the cluster's brokers minus --remove (the brokers a scale-in empties).
"""
import argparse
import json
from collections import defaultdict


def spreads(topics, targets):
    out = []
    for name, parts in topics.items():
        per = defaultdict(int)
        for reps in parts:
            for b in reps:
                per[b] += 1
        counts = [per.get(b, 0) for b in targets]
        total = sum(len(r) for r in parts)
        best = 0 if total % len(targets) == 0 else 1
        out.append((max(counts) - min(counts), best))
    return out


def summary(s):
    return {"mean": round(sum(x for x, _ in s) / len(s), 2), "worst": max(x for x, _ in s),
            "at_best": sum(1 for x, b in s if x <= b), "topics": len(s)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cluster")
    ap.add_argument("plan")
    ap.add_argument("--remove", default="")
    a = ap.parse_args()
    cluster = json.load(open(a.cluster))
    plan = json.load(open(a.plan))
    removed = {int(x) for x in a.remove.split(",") if x}
    targets = sorted(b["id"] for b in cluster["brokers"] if b["id"] not in removed)
    before = {t["name"]: [p["replicas"] for p in t["partitions"]] for t in cluster["topics"]}
    index = {t["name"]: {p["partition"]: i for i, p in enumerate(t["partitions"])} for t in cluster["topics"]}
    after = {k: list(v) for k, v in before.items()}
    for e in plan["partitions"]:
        after[e["topic"]][index[e["topic"]][e["partition"]]] = e["replicas"]
    print(json.dumps({"before": summary(spreads(before, targets)), "after": summary(spreads(after, targets))}))


if __name__ == "__main__":
    main()
