"""The support check on the labelled claim set: false-support rate and true-support recall.

    .venv/bin/python benchmarks/support.py [--data ../shared/data/realtimeqa-2022]
        [--split dev|seen|heldout|heldout3|heldout6|heldout8|heldout10|heldout12|heldout4|
        heldout5|heldout7|heldout9|heldout11|heldout13|heldout14|heldout15|...|heldout21|all]
        [--show-errors]
        [--loso [--soft]]

``tests/data/claims.jsonl`` holds claim/passage pairs over development articles: each names an
article and the character range of a passage in it (never the text: the articles are
copyrighted), the claim (our own wording, or ``quote_sentence``: the passage's n-th sentence
verbatim), the label and the kind (paraphrase, verbatim, negation, antonym, swapped_roles,
number_change, added_fact, injection, injected_passage, and in later pairs overclaim, hedge,
partial, wrong_name). For ``inject`` pairs a hand-written
instruction sentence is put into the passage after its first sentence, as a hostile article
would carry it. Each pair is judged the way ``qa.citations.resolve`` judges a cited claim.

Reported: false-support rate (unsupported claims accepted / all unsupported), true-support
recall (supported claims accepted / all supported), both by kind, and the check's time per
claim. ``dev`` pairs were written before the check and the check was tuned on them. ``seen``
pairs were the first held-out set: written after the first tuning and measured once, but their
misses were then read and described, so they are no longer unseen (nothing was tuned on them).
``heldout`` pairs (14 other articles) were written before the second round of rules and measured
once at its end; 44 ``dev`` pairs were added for that round and tuned on. A third round
(2026-12-02) read the errors of all three splits: every split is tuned on now. ``heldout3``
(213 pairs, 23 other articles) was written during that round by someone who never saw the
check's code or errors, and measured once after it (8.1% false support, 54.9% recall). In the
fourth round (2026-12-02) its errors were read and the check tuned on it too: ``heldout3`` is a
tuning split now, like the other three. ``heldout4`` (401 pairs, 26 other articles) was written
blind during the fourth round and measured once after it: false support 6.1% (12/197), recall
61.8% (126/204). Of its errors only the one accepted injection was then read and its pattern
added (an instruction must never pass): 5.6% after that; the rest are unread. After round 5
(coordinated doers, for/against stances, names the unit only refers to) it was measured once
more, its errors unread: 5.6% (11/197), 62.3% (127/204); in 2026-12-03's first session the
list of its supported claims rejected for a number was printed, so it is not blind for number
rules. ``heldout5`` (407 pairs, 26 other articles, 2026-12-03) was written blind by two writers
who never saw the check, after its last change, and measured once on arrival. ``heldout6``
(403 pairs, 24 other articles, 2026-12-03, second session) was written the same way after round
6's WordNet antonyms and measured once on arrival, beside the code before them (15.5% / 53.2%
with them, 16.0% / 54.7% without); then its errors were read and it became a tuning split. After
round 6's first part the two blind splits were measured once more, errors unread: heldout4 5.1%
/ 61.8%, heldout5 15.3% / 59.8%. ``heldout8`` (400 pairs, 24 other articles) was written the
same way for the second part and measured once on arrival (16.9% / 54.9%, against 18.8% / 56.5%
with the code before round 6), then read and tuned on. ``heldout7`` (400 pairs, 24 other
articles), written at the same time, was kept unread and measured once at the round's end: 15.6%
/ 51.9%, against 19.4% / 51.9% before round 6; of its errors only the injection sentences were
then read and two instruction patterns added (an instruction must never pass), so it is not
blind for injection patterns. ``heldout9`` (399 pairs, 24 other articles) was written the same
way after the round's last rule and measured once on arrival, errors unread: 18.8% / 57.1%,
against 21.2% / 56.0% with the code before round 6. ``heldout10`` (404 pairs, 24 other
articles, 2026-12-03, third session) was written the same way for round 7 and measured once on
arrival (21.2% / 55.7%, against 21.2% / 55.2% with the session's starting code), then read and
tuned on. ``heldout12`` (405 pairs, 24 other articles) was written the same way midway through
round 7 and measured once on arrival: 18.3% / 55.7% with the round's rules so far, against
17.8% / 54.2% with the session's starting code; then read and tuned on. ``heldout11`` (412
pairs, 24 other articles) was written at the same time as ``heldout10``, kept unread, and
measured once at round 7's end beside the session's starting code: 22.3% / 58.9% -> 21.9% /
59.9%. Of its errors only its instruction sentences were then read (one injection had passed)
and four instruction phrasings added: 21.4% (46/215) / 59.9% (118/197); it is not blind for
injection patterns. ``heldout13`` (416 pairs, 24 other articles) was written the same way after
round 7 and one more rule (words bound to a name measured in content words, 47350a7), and
measured once with the three versions in one run, errors unread: 22.0% / 57.0% (e5ce4ad), 22.0%
/ 58.0% (c7d2cfd), 22.4% (50/223) / 58.0% (112/193) (47350a7). ``heldout14`` (421 pairs, 24
other articles, 2026-12-04) was written the same way before round 8 and measured once at its
end beside its starting code, errors unread: 18.0% (40/222) / 57.8% (115/199) with both (two
verdicts changed, one each way). ``heldout15`` to ``heldout21`` (1,633 pairs, 8 writers, 96
other articles, 2026-12-04, second session) were written from ``tests/data/claims_brief.md``
(passages cut for the writers, so no offsets to get wrong) by writers who never saw the check,
and measured once on arrival with the session's code (1cc40b8, the same verdicts as its
starting c896b4d), errors unread: 20.1% (174/865) / 61.3% (471/768). Then their missed
instruction sentences were read for the new instruction detector (``qa/instructions.py``), so
they are not blind for instruction patterns: 19.8% (171/865) / 61.3%. ``all`` lists the blind
splits last;
``--loso`` leaves them out.

``--loso`` (leave one split out) chooses the encoder's thresholds (``qa.support.Thresholds``) on
the other tuned splits, best recall at false support at most ``FS_BUDGET``, and measures them on
the one left out, beside the shipped thresholds, then pools them. It covers the thresholds only: the
rules were written with the errors of all four splits read. (From 93b7a4b until round 5 the
"other three" also held ``heldout4``'s pairs; only the tuned splits are chosen on now.)

``--loso --soft`` adds soft coverage of the missing words to the settings (``word_coverage``):
the encoder may also vouch at a lower similarity when every claim word the unit lacks has a
unit word close in meaning. Tried in round 5 and not shipped: with it allowed, three of the four
folds chose no soft coverage and the fourth (heldout) gained no recall for one more false
support; pooled 4.3% / 81.5% against 4.0% / 81.5% for the thresholds alone. Single words
encoded alone put antonyms as close as synonyms (north/south 0.68, fake/real 0.73,
meat/vegetarian 0.70, against convicted/sentenced 0.77, brothers/men 0.50). Tried in a scratch
leave-one-split-out over the same splits and budget (code not kept) and also dropped:
contextual token vectors of the encoder aligned BERTScore-style, the claim against windows of
the unit, how much the claim's missing words move its cosine to the unit, and a logistic model
over these with the sentence cosine and missing share; none beat the sentence cosine threshold
alone at the same false support. Soft coverage cost about 20 ms per open claim
(6 ms per claim over the tuned splits) with a cold word cache.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO.parent / "shared" / "data" / "realtimeqa-2022"
CLAIMS = REPO / "tests" / "data" / "claims.jsonl"
sys.path.insert(0, str(REPO))

from qa.chunking import split_sentences  # noqa: E402
from qa.models import Source, StoredChunk  # noqa: E402

if TYPE_CHECKING:
    from qa.embeddings import Embedder
    from qa.support import Thresholds


@dataclass(frozen=True)
class Pair:
    """One labelled pair, with the passage rebuilt from the article."""

    claim: str
    source: Source
    supported: bool
    kind: str
    split: str


def load_pairs(data: Path = DEFAULT_DATA, path: Path = CLAIMS) -> list[Pair]:
    """The labelled pairs with their passages read from ``data/articles.jsonl``."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    wanted = {row["article_id"] for row in rows}
    articles = {}
    with (data / "articles.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            article = json.loads(line)
            if article["id"] in wanted:
                articles[article["id"]] = article
    return [_pair(row, articles[row["article_id"]]) for row in rows]


def _pair(row: dict[str, object], article: dict[str, str]) -> Pair:
    start, end = int(str(row["start"])), int(str(row["end"]))
    passage = article["text"][start:end]
    sentences = [span.of(passage) for span in split_sentences(passage)]
    claim = str(row["claim"]) if "claim" in row else sentences[int(str(row["quote_sentence"]))]
    if "inject" in row:  # after the first sentence, as a hostile article would carry it
        passage = " ".join([sentences[0], str(row["inject"]), *sentences[1:]])
    chunk = StoredChunk(
        id=f"{article['id']}:{start}",
        article_id=article["id"],
        text=passage,
        start=start,
        end=start + len(passage),
        index=0,
        title=article["title"],
        date=None,
        source=article["source"],
        url=article.get("url"),
    )
    return Pair(
        claim=claim,
        source=Source(n=1, chunk=chunk, score=1.0),
        supported=row["label"] == "supported",
        kind=str(row["kind"]),
        split=str(row.get("split", "dev")),
    )


@dataclass(frozen=True)
class Report:
    """Accepted counts by kind, and the rates the issue asks for."""

    accepted: dict[str, int]
    total: dict[str, int]
    false_support: float  # unsupported claims accepted / all unsupported
    recall: float  # supported claims accepted / all supported
    ms_per_claim: float
    errors: list[Pair]


def evaluate(pairs: Sequence[Pair], accepts: Callable[[str, Source], bool]) -> Report:
    accepted: dict[str, int] = defaultdict(int)
    total: dict[str, int] = defaultdict(int)
    errors = []
    clock = time.perf_counter()
    verdicts = [accepts(p.claim, p.source) for p in pairs]
    elapsed = time.perf_counter() - clock
    for pair, ok in zip(pairs, verdicts, strict=True):
        key = f"{pair.kind} ({'supported' if pair.supported else 'unsupported'})"
        total[key] += 1
        accepted[key] += ok
        if ok != pair.supported:
            errors.append(pair)
    bad = [ok for p, ok in zip(pairs, verdicts, strict=True) if not p.supported]
    good = [ok for p, ok in zip(pairs, verdicts, strict=True) if p.supported]
    return Report(
        accepted=dict(accepted),
        total=dict(total),
        false_support=sum(bad) / max(len(bad), 1),
        recall=sum(good) / max(len(good), 1),
        ms_per_claim=1000 * elapsed / max(len(pairs), 1),
        errors=errors,
    )


def table(report: Report) -> Iterable[str]:
    yield "| kind | pairs | accepted |"
    yield "|---|---:|---:|"
    for key in sorted(report.total):
        yield f"| {key} | {report.total[key]} | {report.accepted.get(key, 0)} |"
    yield (
        f"false-support rate {report.false_support:.1%}, true-support recall {report.recall:.1%}, "
        f"{report.ms_per_claim:.2f} ms per claim"
    )


def rules_and_encoder() -> Callable[[str, Source], bool]:
    """The engine's check as ``qa ask`` runs it offline: rules, then the bundled encoder."""
    from qa.citations import best_support
    from qa.embeddings import LocalEmbedder
    from qa.settings import Settings
    from qa.verify import make_support_check

    check = make_support_check(Settings(llm={"provider": "extractive"}), LocalEmbedder())
    return lambda claim, source: best_support(claim, source, check) is not None


SPLITS = ["dev", "seen", "heldout", "heldout3", "heldout6", "heldout8", "heldout10", "heldout12"]
BLIND = [
    *(f"heldout{n}" for n in (4, 5, 7, 9, 11, 13, 14)),
    *(f"heldout{n}" for n in range(15, 22)),
]
FS_BUDGET = 0.04
"""Leave-one-split-out picks the thresholds with the best recall on the other three splits at
a false-support rate at most this (the issue's limit is 5%: the rest is margin)."""
GRID = [
    (paraphrase / 1000, name / 100, share / 100)
    for paraphrase in range(650, 851, 25)
    for name in (80, 85, 90, 95)
    for share in (25, 34, 45, 60)
    if name / 100 >= paraphrase / 1000
]


def tuning_pairs(pairs: Sequence[Pair]) -> list[Pair]:
    """The pairs a setting may be chosen on: the tuned splits, never the blind ones (BLIND)."""
    return [p for p in pairs if p.split in SPLITS]


def leave_one_split_out(pairs: Sequence[Pair], *, soft: bool = False) -> Iterable[str]:
    """For each tuned split: the encoder thresholds (``qa.support.Thresholds``) that the other
    tuned splits choose, and the figures they give on it, beside the shipped thresholds'; then
    the held-out figures pooled. The rules run once per pair; only the encoder's verdict on
    open claims is redone per setting. The blind splits take no part.

    ``soft``: the same, with soft coverage of the missing words added to every setting (see
    ``word_coverage``): the encoder also vouches at a lower similarity ``low`` when every claim
    word the unit lacks has a unit word within ``cover`` of it."""
    from qa.embeddings import LocalEmbedder
    from qa.support import THRESHOLDS, Thresholds, judge, vouch
    from qa.verify import encoder_similarity

    pairs = tuning_pairs(pairs)
    embedder = LocalEmbedder()
    encoder = encoder_similarity(embedder)
    memo: dict[tuple[str, str], float] = {}

    def similarity(claim: str, text: str) -> float:
        if (claim, text) not in memo:
            memo[claim, text] = encoder(claim, text)
        return memo[claim, text]

    chunks = [p.source.chunk for p in pairs]
    rules = [judge(p.claim, c.text, title=c.title) for p, c in zip(pairs, chunks, strict=True)]
    verdicts: dict[Thresholds, list[bool]] = {}

    def accepted(t: Thresholds) -> list[bool]:
        if t not in verdicts:
            verdicts[t] = [
                vouch(p.claim, r, c.text, title=c.title, similarity=similarity, thresholds=t).span
                is not None
                for p, r, c in zip(pairs, rules, chunks, strict=True)
            ]
        return verdicts[t]

    settings: list[Setting] = [(Thresholds(*values), 0.0, 2.0) for values in GRID]
    covered: list[float] = []  # per pair: the soft coverage of the words its best unit lacks
    if soft:
        coverage = word_coverage(embedder)
        covered = [
            coverage(p.claim, r.undecided.missing, r.undecided.span.of(c.text))
            if r.span is None and r.undecided is not None
            else 0.0
            for p, r, c in zip(pairs, rules, chunks, strict=True)
        ]
        settings += [
            (t, low, cover)
            for t, _, _ in settings
            for low, cover in SOFT_GRID
            if low < t.paraphrase
        ]

    def verdict(setting: Setting) -> list[bool]:
        t, low, cover = setting
        plain = accepted(t)
        if cover > 1:
            return plain
        lower = accepted(Thresholds(low, t.name, t.missing_share))
        return [a or (b and c >= cover) for a, b, c in zip(plain, lower, covered, strict=True)]

    base: Setting = (THRESHOLDS, 0.0, 2.0)
    cache = {s: verdict(s) for s in [base, *settings]}

    def counts(s: Setting, chosen: Sequence[int]) -> tuple[int, int, int, int]:
        bad = [cache[s][i] for i in chosen if not pairs[i].supported]
        good = [cache[s][i] for i in chosen if pairs[i].supported]
        return sum(bad), len(bad), sum(good), len(good)

    def rates(s: Setting, chosen: Sequence[int]) -> tuple[float, float]:
        fs, bad, recall, good = counts(s, chosen)
        return fs / max(bad, 1), recall / max(good, 1)

    yield (
        "| held out | chosen on the rest (paraphrase, name, share"
        + (", low, cover" if soft else "")
        + ") | FS | recall | shipped thresholds: FS | recall |"
    )
    yield "|---|---|---:|---:|---:|---:|"
    pooled = [0, 0, 0, 0]
    shipped = [0, 0, 0, 0]
    for held in SPLITS:
        rest = [i for i, p in enumerate(pairs) if p.split != held]
        here = [i for i, p in enumerate(pairs) if p.split == held]
        # When no setting keeps the rest within budget (their false supports are the rules',
        # not the encoder's), the one with the fewest is chosen.
        fewest = min(rates(s, rest)[0] for s in settings)
        within = [s for s in settings if rates(s, rest)[0] <= max(FS_BUDGET, fewest)]
        best = max(within, key=lambda s: (rates(s, rest)[1], -rates(s, rest)[0]))
        fs, recall = rates(best, here)
        fs0, recall0 = rates(base, here)
        pooled = [a + b for a, b in zip(pooled, counts(best, here), strict=True)]
        shipped = [a + b for a, b in zip(shipped, counts(base, here), strict=True)]
        t, low, cover = best
        chosen = f"{t.paraphrase:.3f}, {t.name:.2f}, {t.missing_share:.2f}"
        if soft:
            chosen += f", {low:.2f}, {cover:.2f}" if cover <= 1 else ", none"

        yield f"| {held} | {chosen} | {fs:.1%} | {recall:.1%} | {fs0:.1%} | {recall0:.1%} |"
    yield (
        f"| pooled | | {pooled[0] / pooled[1]:.1%} | {pooled[2] / pooled[3]:.1%} "
        f"| {shipped[0] / shipped[1]:.1%} | {shipped[2] / shipped[3]:.1%} |"
    )


Setting = tuple["Thresholds", float, float]
"""Encoder thresholds, and soft coverage's lower similarity and word cosine (2.0: none)."""
SOFT_GRID = [(low / 100, cover / 100) for low in (45, 55, 65, 70) for cover in (50, 60, 70, 80)]


def word_coverage(embedder: Embedder) -> Callable[[str, Sequence[str], str], float]:
    """Soft coverage of an open claim's missing words (tried in round 5, not shipped: see the
    module docstring): for each content word of the claim whose term the unit lacks, the cosine
    of the unit's closest content word, each word encoded alone by the bundled encoder; the
    worst of them. Word vectors are kept for the run."""
    from qa.support import tokens

    vectors: dict[str, npt.NDArray[np.float32]] = {}

    def vector(words: Sequence[str]) -> npt.NDArray[np.float32]:
        new = [w for w in dict.fromkeys(words) if w not in vectors]
        if new:
            vectors.update(zip(new, embedder.embed_documents(new), strict=True))
        return np.array([vectors[w] for w in words])

    def coverage(claim: str, missing: Sequence[str], text: str) -> float:
        lacking = [t.word for t in tokens(claim) if t.term in missing]
        have = [t.word for t in tokens(text) if t.term and t.word not in lacking]
        if not lacking or not have:
            return 0.0
        return float((vector(lacking) @ vector(have).T).max(axis=1).min())

    return coverage


def word_overlap(claim: str, source: Source) -> bool:
    """The check this replaced, as a baseline: half of the claim's content words in a sentence
    (or two thirds in the passage)."""
    from qa.text import claim_coverage as coverage

    text = source.chunk.text
    best = max((coverage(claim, s.of(text)) for s in split_sentences(text)), default=0.0)
    return best >= 0.5 or (best > 0 and coverage(claim, text) >= 0.65)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--split", choices=[*SPLITS, *BLIND, "all"], default="all")
    parser.add_argument("--show-errors", action="store_true")
    parser.add_argument(
        "--loso", action="store_true", help="leave-one-split-out choice of encoder thresholds"
    )
    parser.add_argument(
        "--soft", action="store_true", help="with --loso: add soft coverage of missing words"
    )
    args = parser.parse_args(argv)

    pairs = load_pairs(args.data)
    if args.loso:
        print("\n".join(leave_one_split_out(pairs, soft=args.soft)))
        return
    check = rules_and_encoder()
    check(pairs[0].claim, pairs[0].source)  # load the encoder outside the timings
    splits = [*SPLITS, *BLIND] if args.split == "all" else [args.split]
    for split in splits:
        chosen = [p for p in pairs if p.split == split]
        if not chosen:
            continue
        for name, accepts in (("word overlap (before)", word_overlap), ("support check", check)):
            report = evaluate(chosen, accepts)
            print(f"\n{split}, {name}: {len(chosen)} pairs")
            print("\n".join(table(report)))
            if args.show_errors and accepts is check:
                for pair in report.errors:
                    expected = "supported" if pair.supported else "unsupported"
                    print(f"  [{pair.kind}, {expected}] {pair.claim}")
    verbatim = [p for p in pairs if p.kind == "verbatim"] * 20
    for name, accepts in (("word overlap (before)", word_overlap), ("support check", check)):
        print(f"verbatim quotes, {name}: {evaluate(verbatim, accepts).ms_per_claim:.3f} ms/claim")


if __name__ == "__main__":
    main()
