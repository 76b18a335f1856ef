"""Syndicated copies on the development archive: how many groups the threshold finds, the pairs
to check by hand, and what signing costs at ingest and grouping at question time.

    .venv/bin/python benchmarks/syndication.py [--articles PATH] [--limit N] [--show N]

Figures:

- signatures: seconds to sign every article of the archive (``qa.syndication.band_keys``), per
  article;
- candidate pairs (sharing a band key), their exact resemblance as a histogram, and the groups
  (connected components of pairs at or above ``syndication.threshold``);
- ``--show``: the grouped pairs and the nearest pairs below the threshold, by title and source,
  for a hand check (titles only: the article text stays in ../shared/data);
- ingest cost: ``qa.ingest`` of the first ``--limit`` articles into a fresh temporary index with
  syndication on and off, same loaded encoder, alternating which goes first; **ratio = on / off**
  (seconds);
- question cost: ``Engine.retrieve`` for the development questions over that index, on and off
  (median ms), and ``Stories.elsewhere`` for the top passage's article (median ms).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections import Counter
from itertools import combinations
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA = REPO.parent / "shared" / "data" / "realtimeqa-2022"
sys.path.insert(0, str(REPO))

from qa.articles import read_file  # noqa: E402
from qa.embeddings import LocalEmbedder  # noqa: E402
from qa.engine import Engine  # noqa: E402
from qa.ingest import ingest  # noqa: E402
from qa.models import Article  # noqa: E402
from qa.settings import Settings  # noqa: E402
from qa.syndication import (  # noqa: E402
    Stories,
    band_keys,
    resemblance,
    shares_band,
    story_shingles,
)


def groups(ids: list[str], pairs: list[tuple[str, str]]) -> list[set[str]]:
    """Connected components of ``pairs`` (a story and all its copies), two or more articles."""
    parent = {i: i for i in ids}

    def root(i: str) -> str:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in pairs:
        parent[root(a)] = root(b)
    found: dict[str, set[str]] = {}
    for i in ids:
        found.setdefault(root(i), set()).add(i)
    return [g for g in found.values() if len(g) > 1]


def archive_figures(articles: list[Article], threshold: float, show: int) -> None:
    start = time.perf_counter()
    keys = {a.id: band_keys(a.text) for a in articles}
    signing = time.perf_counter() - start
    signed = [a for a in articles if keys[a.id]]
    print(f"articles: {len(articles)}, signed: {len(signed)} (the rest under the minimum words)")
    print(f"signing: {signing:.2f} s, {1000 * signing / len(articles):.2f} ms/article")
    by_band: dict[tuple[int, str], list[str]] = {}
    for a in signed:
        for i, key in enumerate(keys[a.id]):
            by_band.setdefault((i, key), []).append(a.id)
    candidates = {
        tuple(sorted(p)) for ids in by_band.values() if len(ids) > 1 for p in combinations(ids, 2)
    }
    shingles = {a.id: story_shingles(a.text) for a in signed}
    scored = sorted(
        ((resemblance(shingles[a], shingles[b]), a, b) for a, b in candidates), reverse=True
    )
    assert all(shares_band(keys[a], keys[b]) for _, a, b in scored)
    print(f"candidate pairs (sharing a band): {len(scored)}")
    histogram = Counter(min(int(r * 10), 9) / 10 for r, _, _ in scored)
    print(
        "resemblance histogram:", ", ".join(f"{k:.1f}+: {v}" for k, v in sorted(histogram.items()))
    )
    grouped = [(r, a, b) for r, a, b in scored if r >= threshold]
    found = groups([a.id for a in signed], [(a, b) for _, a, b in grouped])
    sizes = Counter(len(g) for g in found)
    print(
        f"threshold {threshold}: {len(grouped)} pairs, {len(found)} groups "
        f"(sizes {dict(sorted(sizes.items()))}), {sum(len(g) for g in found)} articles"
    )
    below = [(r, a, b) for r, a, b in scored if r < threshold]
    nearest = max((r for r, _, _ in below), default=0.0)
    lowest = min((r for r, _, _ in grouped), default=1.0)
    print(f"lowest grouped pair: {lowest:.2f}; nearest pair left apart: {nearest:.2f}")
    if show:
        by_id = {a.id: a for a in articles}

        def line(r: float, a: str, b: str) -> str:
            x, y = by_id[a], by_id[b]
            return (
                f"  {r:.2f}  {x.date} {x.title[:48]!r} [{len(x.text)}] | "
                f"{y.date} {y.title[:48]!r} [{len(y.text)}]"
            )

        distinct = {}  # one line per group of identical texts is enough to check
        for r, a, b in grouped:
            distinct.setdefault((r, len(by_id[a].text), len(by_id[b].text)), (r, a, b))
        print(f"grouped pairs ({len(grouped)}; one per distinct resemblance and sizes):")
        for item in list(distinct.values())[:show]:
            print(line(*item))
        print("nearest pairs left apart:")
        for item in below[:show]:
            print(line(*item))


def cost_figures(articles: list[Article], limit: int, questions: list[str]) -> None:
    embedder = LocalEmbedder()
    embedder.embed_documents(["warm up"])
    part = articles[:limit]
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "part.jsonl"
        source.write_text(
            "".join(
                json.dumps(
                    {
                        "title": a.title,
                        "date": a.date.isoformat() if a.date else None,
                        "source": a.source,
                        "url": a.url,
                        "text": a.text,
                    }
                )
                + "\n"
                for a in part
            ),
            encoding="utf-8",
        )
        seconds: dict[bool, list[float]] = {True: [], False: []}
        for rounds, order in enumerate(([True, False], [False, True])):
            for enabled in order:
                settings = Settings(
                    data_dir=Path(tmp) / f"index-{enabled}-{rounds}",
                    llm={"provider": "extractive"},
                    syndication={"enabled": enabled},
                )
                start = time.perf_counter()
                ingest([source], settings=settings, embedder=embedder)
                seconds[enabled].append(time.perf_counter() - start)
        on, off = sum(seconds[True]), sum(seconds[False])
        print(
            f"ingest of {len(part)} articles, two runs each: on {on:.1f} s, off {off:.1f} s, "
            f"ratio on/off {on / off:.3f}"
        )
        timings: dict[str, list[float]] = {"on": [], "off": [], "elsewhere": []}
        engines = {
            name: Engine(
                Settings(
                    data_dir=Path(tmp) / "index-True-0",
                    llm={"provider": "extractive"},
                    syndication={"enabled": name == "on"},
                ),
                embedder=embedder,
            )
            for name in ("on", "off")
        }
        stories = Stories(engines["on"].store, threshold=Settings().syndication.threshold)
        for name in ("on", "off"):  # warm up: the keyword index loads on the first question
            engines[name].retrieve(questions[0])
        for question in questions:
            for name in ("on", "off"):
                start = time.perf_counter()
                found = engines[name].retrieve(question)
                timings[name].append(1000 * (time.perf_counter() - start))
            if found:
                start = time.perf_counter()
                stories.elsewhere([found[0].chunk.article_id])
                timings["elsewhere"].append(1000 * (time.perf_counter() - start))
        on_ms, off_ms = (statistics.median(timings[n]) for n in ("on", "off"))
        print(
            f"retrieve, {len(questions)} questions: median on {on_ms:.1f} ms, off {off_ms:.1f} ms "
            f"(ratio {on_ms / off_ms:.3f}); Stories.elsewhere median "
            f"{statistics.median(timings['elsewhere']):.1f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=Path, default=DATA / "articles.jsonl")
    parser.add_argument("--questions", type=Path, default=DATA / "questions.jsonl")
    parser.add_argument("--limit", type=int, default=200, help="articles for the cost figures")
    parser.add_argument("--ask", type=int, default=40, help="questions for the cost figures")
    parser.add_argument("--show", type=int, default=20, help="pairs to print for a hand check")
    parser.add_argument("--threshold", type=float, default=Settings().syndication.threshold)
    args = parser.parse_args()
    articles = [a for a in read_file(args.articles) if isinstance(a, Article)]
    archive_figures(articles, args.threshold, args.show)
    with args.questions.open(encoding="utf-8") as lines:
        questions = [json.loads(line)["question"] for line in lines][: args.ask]
    if args.limit:
        cost_figures(articles, args.limit, questions)


if __name__ == "__main__":
    main()
