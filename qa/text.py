"""The lexical helpers, in one place: tokens, terms, coverage and answer normalisation.

Shared by retrieval (BM25, the reranker), the answerer, the citation checker, the judges and
the metrics, so that "a word" means the same thing everywhere:

- ``words``: folded word tokens (possessives dropped); ``content_terms``: their stems without
  stopwords; ``raw_tokens``: tokens as written, keeping the ``&``, ``.`` and ``-`` of names and
  numbers ("AT&T", "U.S.", "1.5");
- ``claim_coverage``: the share of a claim's terms that some evidence holds (the support test);
  ``weighted_coverage``: the weighted share of a question's terms that a set of terms holds
  (the rerankers' and answerer's relevance);
- ``normalize_answer`` / ``contains_answer``: SQuAD's answer matching, for the metrics;
  ``holds_span``: the same, a name's possessive allowed, for the short answer's check.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable

STOPWORDS = frozenset(
    """a an the and or but if of to in on at by for with from as into onto over under about
    above below after before between during since until than then so that this these those
    there here is are was were be been being am do does did doing done have has had having
    it its it's he she they them their theirs his her hers him we us our you your i me my
    mine who whom whose which what when where why how not no nor yes all any both each few
    more most other some such only own same too very can could should would will shall may
    might must just also even still yet ever again once out up down off further s t don
    one ones said say says tell told according""".split()
)
_WORD = re.compile(r"[\w’'-]+", re.UNICODE)
_RAW_TOKEN = re.compile(r"[\w’'&.-]+")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")  # every combining mark is outside ASCII


def fold(text: str) -> str:
    """Lowercase, accents removed, curly quotes straightened."""
    if text.isascii():  # most text: nothing to decompose or straighten (and 20x faster)
        return text.lower()
    text = unicodedata.normalize("NFKD", text)
    # The marks are looked up among the text's distinct characters, not character by
    # character: a news text with curly quotes is not ASCII, and the per-character loop was
    # the slowest part of tokenising it.
    marks = {ord(c): None for c in set(_NON_ASCII.findall(text)) if unicodedata.combining(c)}
    if marks:
        text = text.translate(marks)
    return text.replace("’", "'").replace("‘", "'").lower()


def words(text: str) -> list[str]:
    """Folded word tokens, possessives dropped (``Xi's`` -> ``xi``)."""
    result = []
    for token in _WORD.findall(fold(text)):
        token = token.strip("'-")
        if token.endswith("'s"):
            token = token[:-2]
        if token:
            result.append(token)
    return result


def raw_tokens(text: str) -> list[str]:
    """Tokens as written (case kept), with the ``&``, ``.`` and ``-`` inside names and numbers.

    >>> raw_tokens("AT&T paid $1.5 billion, the U.S. said.")
    ['AT&T', 'paid', '1.5', 'billion', 'the', 'U.S.', 'said.']
    """
    return _RAW_TOKEN.findall(text)


_DOUBLED = re.compile(r"([bdgmnprt])\1$")
_CONSONANT_I = re.compile(r"[^aeiou]i$")


def stem(word: str, *, forms: bool = True) -> str:
    """A deliberately light stemmer: plurals and common verb endings, so that a word and its
    forms share one stem. A final 'e' goes as its endings take it, so the bare word drops it too
    ('game', 'games' -> gam; 'restore', 'restored' -> restor; 'agree' keeps it); a consonant an
    ending doubled is single ('planned' -> plan) and an 'i' before '-ed' is 'y' ('studied' ->
    study). ``forms=False`` strips the endings only, as BM25's terms were tuned with."""
    for suffix, keep in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            root = word[: -len(suffix)] + keep
            if not forms:
                return root
            if suffix in ("ing", "ed") and len(root) >= 4 and _DOUBLED.search(root):
                return root[:-1]  # 'planned', 'winning' -> plan, win
            if suffix == "ed" and _CONSONANT_I.search(root):
                return root[:-1] + "y"  # 'studied', 'worried' -> study, worry
            return root
    if forms and word.endswith("e") and not word.endswith("ee") and len(word) > 3:
        return word[:-1]
    return word


def content_terms(text: str) -> list[str]:
    """Stemmed words that carry meaning: no stopwords, no single letters."""
    return [stem(w) for w in content_words(text)]


# Verbs that help another: "do", "be", "have" and the modals a question may open with.
AUXILIARIES = frozenset(
    "do does did are were was is have has had will would can could should may might".split()
)


def with_demonyms(terms: set[str]) -> set[str]:
    """Stemmed terms plus the demonym of each country among them: a question's "English city"
    is a sentence's "Cambridge, England", its "French president" the "President of France"."""
    return terms | {_DEMONYM_OF[t] for t in terms if t in _DEMONYM_OF}


def with_word_forms(terms: set[str]) -> set[str]:
    """Stemmed terms plus the stems of their irregular forms, which the stemmer cannot join: a
    question's "Who won ...?" is a sentence's "win", its "What did they buy?" "bought".

    >>> sorted(with_word_forms({"bought", "nfl"}))
    ['bought', 'buy', 'nfl']
    """
    mates = _word_mates()
    return terms.union(*(mates.get(t, ()) for t in terms))


@functools.cache
def _word_mates() -> dict[str, frozenset[str]]:
    """Each stem's mates: the stems of the other words of its groups in ``_WORD_FORMS``."""
    mates: dict[str, set[str]] = {}
    for group in _WORD_FORMS:
        stems = {stem(w) for w in group.split()}
        for s in stems:
            mates.setdefault(s, set()).update(stems - {s})
    return {s: frozenset(m) for s, m in mates.items()}


# Irregular forms, one word a line: the verbs news reports deeds with, and "children".
_WORD_FORMS = """\
win won
beat beaten
buy bought
sell sold
pay paid
begin began begun
die died dying
rise rose risen
fall fell fallen
grow grew grown
child children
get got gotten
leave left
hold held
meet met
lose lost
go went gone
come came
give gave given
take took taken
make made
write wrote written
run ran
speak spoke spoken
shoot shot
fight fought
know knew known
build built
lead led
send sent
spend spent
keep kept
bring brought
sing sang sung
break broke broken
choose chose chosen
fly flew flown
throw threw thrown
become became
see saw seen
steal stole stolen
wear wore worn
strike struck
drive drove driven
teach taught
think thought
catch caught
seek sought
hear heard
flee fled
sink sank sunk
stand stood
hide hid hidden
shake shook shaken
eat ate eaten
tell told
""".splitlines()


def adverb_base(term: str) -> str:
    """The adjective a stemmed adverb is made from ("unfairly" -> unfair, "completely" ->
    complet, "happily" -> happy, "financially" -> financial); any other term as it is.

    >>> adverb_base("unfairly"), adverb_base("family"), adverb_base("likely")
    ('unfair', 'family', 'likely')
    """
    if not term.endswith("ly") or len(term) < 7 or term in _NOT_ADVERBS:
        return term
    base = term[:-3] + "y" if term.endswith("ily") else term[:-2]
    return stem(base)


# Words in -ly that are no adverb of an adjective, or whose adjective means something else.
_NOT_ADVERBS = frozenset(
    """family assembly anomaly monopoly butterfly multiply elderly friendly lovely costly
    deadly lonely likely unlikely weekly monthly yearly hourly quarterly nightly orderly
    curly holy silly early daily""".split()
)


def with_adverb_bases(terms: set[str]) -> set[str]:
    """Stemmed terms plus the adjective of each adverb among them: a sentence's "unfairly
    attacked" answers a question's "unfair attacks"."""
    return terms | {adverb_base(t) for t in terms}


# Country stem -> its demonym's stem (both as ``stem`` writes them).
_DEMONYM_OF = {
    "england": "english",
    "franc": "french",
    "britain": "british",
    "uk": "british",
    "china": "chines",
    "russia": "russian",
    "ukrain": "ukrainian",
    "america": "american",
    "australia": "australian",
    "italy": "italian",
    "germany": "german",
    "spain": "spanish",
    "japan": "japanes",
    "india": "indian",
    "mexico": "mexican",
    "canada": "canadian",
    "israel": "israeli",
    "iran": "iranian",
    "iraq": "iraqi",
    "scotland": "scottish",
    "ireland": "irish",
    "wal": "welsh",
    "netherland": "dutch",
    "switzerland": "swiss",
    "sweden": "swedish",
    "brazil": "brazilian",
    "korea": "korean",
    "turkey": "turkish",
    "poland": "polish",
    "greec": "greek",
    "egypt": "egyptian",
    "afghanistan": "afghan",
    "pakistan": "pakistani",
    "chil": "chilean",
    "colombia": "colombian",
    "cuba": "cuban",
    "belaru": "belarusian",
    "taiwan": "taiwanes",
    "norway": "norwegian",
    "denmark": "danish",
    "finland": "finnish",
    "portugal": "portugues",
    "austria": "austrian",
    "belgium": "belgian",
    "argentina": "argentinian",
    "peru": "peruvian",
    "venezuela": "venezuelan",
    "nigeria": "nigerian",
    "kenya": "kenyan",
    "ethiopia": "ethiopian",
    "vietnam": "vietnames",
    "thailand": "thai",
    "philippin": "filipino",
    "indonesia": "indonesian",
    "syria": "syrian",
    "lebanon": "lebanes",
    "jordan": "jordanian",
    "hungary": "hungarian",
    "serbia": "serbian",
    "croatia": "croatian",
    "romania": "romanian",
    "barbado": "barbadian",
    "jamaica": "jamaican",
    "haiti": "haitian",
    "zealand": "zealander",
    "lanka": "lankan",
}


def content_words(text: str) -> list[str]:
    """The words ``content_terms`` stems."""
    return [w for w in words(text) if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]


def claim_coverage(claim: str, evidence: str) -> float:
    """Share of the claim's content terms that the evidence contains (1.0 for an empty claim)."""
    needed = set(content_terms(claim))
    if not needed:
        return 1.0
    return len(needed & set(content_terms(evidence))) / len(needed)


def weighted_coverage(weights: dict[str, float], terms: set[str]) -> float:
    """Share of the (weighted) question terms in ``weights`` that ``terms`` contains; 0.0 when
    the weights sum to nothing."""
    total = sum(weights.values())
    if total <= 0:
        return 0.0
    return sum(w for t, w in weights.items() if t in terms) / total


def normalize_answer(text: str) -> str:
    """SQuAD's normalisation: lowercase, no punctuation, no articles, single spaces.

    >>> normalize_answer("The  U.S. Senate!")
    'us senate'
    """
    text = fold(text)
    text = "".join(c for c in text if c.isalnum() or c.isspace())
    return " ".join(w for w in text.split() if w not in {"a", "an", "the"})


def contains_answer(text: str, gold: str) -> bool:
    """True when the normalised gold string appears, on word boundaries, in the text."""
    needle = normalize_answer(gold)
    return bool(needle) and f" {needle} " in f" {normalize_answer(text)} "


def holds_span(text: str, span: str) -> bool:
    """``contains_answer``, where a name may also be its possessive in ``text``: the short
    answer "University of Melbourne" is word for word in "the University of Melbourne's lab".

    >>> holds_span("the University of Melbourne's lab", "University of Melbourne")
    True
    >>> holds_span("a 23-year-old man", "23")
    False
    """
    return contains_answer(text, span) or contains_answer(_POSSESSIVE_S.sub("", text), span)


_POSSESSIVE_S = re.compile(r"(?<=\w)[’']s\b")


def restore_case(question: str, texts: Iterable[str]) -> str:
    """``question`` typed all in lower case, with its words cased as ``texts`` mostly write them
    mid-sentence ("who is the ceo of jetblue" -> "Who is the CEO of JetBlue"): the offline
    answerer reads names, titles and acronyms by their capitals. A question with any capital
    after its first letter is left as typed.

    >>> restore_case("who leads jetblue", ["Its CEO said JetBlue would grow.", "JetBlue won."])
    'Who leads JetBlue'
    """
    if not question or any(c.isupper() for c in question[1:]):
        return question
    mid: dict[str, Counter[str]] = {}  # forms written mid-sentence
    opening: dict[str, Counter[str]] = {}  # forms opening a sentence: "The" says little
    for text in texts:
        for match in _CASED_WORD.finditer(text):
            word = match.group()
            starts = _SENTENCE_START.search(text, max(0, match.start() - 3), match.start())
            (opening if starts else mid).setdefault(word.lower(), Counter())[word] += 1

    def cased(match: re.Match[str]) -> str:
        word = match.group()
        seen = mid.get(word, Counter())
        if seen:
            form, count = seen.most_common(1)[0]
            return form if count > seen[word] else word
        first = opening.get(word)
        if first and word not in STOPWORDS:
            return first.most_common(1)[0][0]  # never written in lower case
        return word

    restored = _CASED_WORD.sub(cased, question)
    return restored[:1].upper() + restored[1:]


_CASED_WORD = re.compile(r"[^\W\d_][\w’'&.-]*[^\W_]|[^\W\d_]")
_SENTENCE_START = re.compile(r"(?:^|[.!?][\"”’']?\s+|\n\s*)$")
