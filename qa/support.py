"""Does a passage support a claim? Judged sentence by sentence, on names, numbers, polarity and
roles, not on a bag of shared words.

A claim is supported by one sentence of the passage, or two adjacent ones, when that unit

- holds every number of the claim (``$2.64 billion``, ``sixth``, ``five``, ``41%``) and every name
  (a name the passage gives only in its title or another sentence counts as a paraphrase's
  coreference, not as a match);
- says it with the same polarity: a negation (``not``, ``never``, ``no``, ``yet to``...) on one
  side only, or an antonym of one of the claim's words (``rejected`` for ``approved``), fails,
  and so does a certainty the unit only hedges (``believed to``, ``plans to``, ``whether``);
- keeps the roles: two names around a shared predicate in the claim stand in the same order in
  the unit (``Holmes accused Balwani`` is not ``Balwani accused Holmes``), unless one side is
  passive or the unit uses the opposite word (``Williams ... a loss to Bencic`` for ``Bencic
  beat Williams``); who only reports a fact is not a party to it, and names joined by 'and'
  share their act (``the Fed and the Bank of England raised rates`` for ``the Fed raised``);
- and leaves out little of the claim's content: what the unit lacks is an unsupported addition,
  except for the few words a paraphrase swaps (``win`` for ``victory``), which the encoder's
  sentence similarity (or, with ``QA_VERIFY=llm``, the chat model) must vouch for; a name the
  unit only refers to (``he``) is left out of the claim the encoder compares.

Sentences that instruct the reader ("ignore previous instructions", "say that...", "you must
answer...") never support anything: they are returned as ``injections`` so that the answer can
warn about them.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache, partial
from importlib import resources

from qa.chunking import Span, split_sentences
from qa.instructions import instruction_start, is_instruction
from qa.passages import without_dateline
from qa.sorts import TITLE_WORDS
from qa.text import STOPWORDS, fold, stem

# -- words, numbers, names ----------------------------------------------------------------------

_TOKEN = re.compile(r"\$?\d(?:[\d,]*\d)?(?:\.\d+)?%?|[\w’'-]+", re.UNICODE)
_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90, "hundred": 100, "dozen": 12,
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "half": 0.5, "quarter": 0.25, "dozens": 12,
    "once": 1, "twice": 2, "single": 1, "double": 2, "triple": 3, "pair": 2, "decade": 10,
}  # fmt: skip
_TENS = frozenset("twenty thirty forty fifty sixty seventy eighty ninety".split())
_UNITS = frozenset("one two three four five six seven eight nine".split())
_AND_A_HALF = re.compile(
    r"\b(one|two|three|four|five|six|seven|eight|nine|ten)\s+and\s+a\s+half\b", re.I
)
# What a number word counts, when it says so itself: 'a decade' is 'ten years'.
_UNIT_OF = {"decade": "year"}
_MONTH_ABBREVIATIONS = dict(
    pair.split(":")
    for pair in """jan:january feb:february mar:march apr:april jun:june jul:july aug:august
    sep:september sept:september oct:october nov:november dec:december""".split()
)
_SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_NEGATIONS = frozenset(
    """not no never none nobody nothing neither nor without cannot isn't aren't wasn't weren't
    don't doesn't didn't won't wouldn't can't couldn't shouldn't hasn't haven't hadn't
    unknown unable unlikely fail failed fails failing refuse refused refuses refusing deny denied
    denies denying""".split()
)
# Words that say one thing and its opposite; a claim word whose opposite stands in the unit
# (and the word itself does not) has flipped the sentence. Stems, as ``qa.text.stem`` makes them.
_OPPOSITES = [
    ("approv", "reject"), ("accept", "reject"), ("welcom", "condemn"), ("prais", "condemn"),
    ("prais", "criticiz"), ("prais", "criticis"), ("support", "oppos"), ("gain", "lost"),
    ("gain", "lose"), ("win", "lose"), ("won", "lost"), ("win", "lost"), ("won", "lose"),
    ("rise", "fall"), ("rose", "fell"), ("ris", "fall"), ("increas", "decreas"),
    ("increas", "cut"), ("rais", "lower"), ("high", "low"), ("higher", "lower"),
    ("highest", "lowest"), ("largest", "smallest"), ("biggest", "smallest"), ("more", "less"),
    ("more", "fewer"), ("most", "least"), ("acquitt", "convict"), ("acquit", "convict"),
    ("receiv", "pay"), ("common", "rare"), ("easy", "hard"), ("easier", "harder"),
    ("accelerat", "stall"), ("accelerat", "slow"), ("older", "younger"), ("oldest", "youngest"),
    ("early", "late"), ("earlier", "later"), ("strong", "weak"), ("strongest", "weakest"),
    ("mild", "severe"), ("expect", "unexpect"), ("anticipat", "unexpect"), ("promot", "boot"),
    ("promot", "demot"), ("promot", "fir"), ("hire", "fir"), ("first", "last"), ("yes", "no"),
    ("begin", "break"), ("start", "end"), ("open", "clos"), ("allow", "ban"), ("lift", "impos"),
    ("agree", "disagree"), ("like", "dislike"), ("love", "hate"), ("true", "false"),
    ("succe", "fail"), ("includ", "exclud"), ("above", "below"), ("before", "after"),
    ("day", "night"), ("daylight", "night"), ("known", "unknown"), ("know", "unknown"),
    ("legal", "illegal"), ("safe", "danger"), ("up", "down"), ("leap", "fall"),
    ("surg", "plung"), ("soar", "plung"), ("jump", "drop"), ("climb", "drop"),
    ("ris", "drop"), ("rise", "drop"), ("fall", "leap"), ("fall", "ris"), ("fall", "rise"),
    ("drop", "ris"), ("plung", "soar"), ("buy", "sell"), ("bought", "sold"), ("enter", "left"),
    ("arriv", "depart"), ("best", "worst"), ("better", "worse"), ("positive", "negative"),
    ("optimist", "pessimist"), ("confirm", "deni"), ("confirm", "await"), ("victory", "defeat"),
    ("majority", "minority"), ("maximum", "minimum"), ("despairing", "hopeful"),
    ("despair", "hope"), ("pessimist", "hope"), ("lead", "trail"), ("lose", "defeat"),
    ("lose", "beat"), ("lose", "victory"),
    # adjectives: their -er and -est forms are paired too (_graded)
    ("large", "small"), ("big", "small"), ("long", "short"), ("fast", "slow"), ("cheap", "dear"),
    ("young", "old"), ("rich", "poor"), ("hot", "cold"), ("warm", "cold"), ("wide", "narrow"),
    ("near", "far"), ("deep", "shallow"), ("heavy", "light"), ("soft", "hard"),
    ("soft", "tough"), ("safe", "risky"), ("tight", "loose"), ("happy", "sad"),
    ("often", "rarely"), ("often", "seldom"), ("frequently", "rarely"), ("frequent", "rare"),
    ("soon", "late"), ("sooner", "later"),
    # round 6 (2026-12-03): pairs news writes for a change of direction or a verdict
    ("prais", "censur"), ("prais", "rebuk"), ("prais", "blast"), ("improv", "worsen"),
    ("improv", "deteriorat"), ("improv", "sour"), ("halv", "doubl"), ("strengthen", "weaken"),
    ("tighten", "loosen"), ("tighten", "eas"), ("expand", "shrink"), ("grow", "shrink"),
    ("surplus", "deficit"), ("uphold", "overturn"),
    ("upheld", "overturn"), ("intensifi", "subsid"), ("intensifi", "eas"), ("escalat", "eas"),
    ("roomi", "cramp"), ("spacious", "cramp"), ("friend", "foe"), ("ally", "enemy"),
    ("improv", "hamper"), ("boost", "hamper"), ("help", "hamper"), ("prais", "bash"),
    ("success", "fail"), ("exporter", "importer"),
    # round 7: how much, how openly, which end of a run
    ("sharp", "slight"), ("sharpli", "slightli"), ("quietli", "open"), ("secret", "public"),
    ("secretli", "publicli"), ("secretli", "open"), ("premier", "final"), ("spik", "drop"),
    ("spik", "declin"), ("spik", "fall"), ("reopen", "shut"), ("reopen", "clos"),
    ("accelerat", "eas"), ("nominat", "win"), ("tied", "break"), ("tie", "break"),
    ("above", "shy"), ("grow", "lag"), ("boost", "erod"), ("spar", "destroy"), ("ris", "eas"),
    ("waterlog", "dry"), ("lower", "increas"), ("reduc", "increas"), ("doubt", "confirm"),
    ("advanc", "stall"), ("shelter", "vulnerabl"),
]  # fmt: skip


def _graded(word: str) -> list[str]:
    """A word and its -er and -est forms ('big' -> big, bigger, biggest; 'large' -> larger)."""
    base = word[:-1] if word.endswith("e") else word
    if re.search(r"[^aeiou][aeiou][bdgmnpt]$", word):
        base = word + word[-1]
    elif re.search(r"[^aeiou]y$", word):
        base = word[:-1] + "i"
    return [word, base + "er", base + "est"]


def _shape(root: str) -> str:
    """The last step of ``_term``, shared with the tables: no final 'e', and a final 'y' after a
    consonant as 'i' ('marry', 'married', 'marriage' -> marri...)."""
    if root.endswith("e") and len(root) > 3:
        return root[:-1]
    if re.search(r"[^aeiou]y$", root) and len(root) > 3:
        return root[:-1] + "i"
    return root


_OPPOSITE: dict[str, frozenset[str]] = {}
for _one, _other in _OPPOSITES:
    for _x, _y in zip(_graded(_one), _graded(_other), strict=True):
        # The same form words are compared in (``_term``).
        _a, _b = _shape(_x), _shape(_y)
        _OPPOSITE[_a] = _OPPOSITE.get(_a, frozenset()) | {_b}
        _OPPOSITE[_b] = _OPPOSITE.get(_b, frozenset()) | {_a}


@lru_cache(maxsize=1)
def _lexicon_opposites() -> dict[str, frozenset[str]]:
    """WordNet's direct antonyms (``qa/data/antonyms.txt``, from ``scripts/build_antonyms.py``)
    by the term of each regular form: the general list beside the table above, which holds the
    pairs news writes that WordNet lacks ('rose'/'fell', 'praise'/'criticize') and the graded
    forms."""
    text = (resources.files("qa") / "data" / "antonyms.txt").read_text(encoding="utf-8")
    table: dict[str, set[str]] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        one, other = line.split()
        for a, b in itertools.product(_inflections(one), _inflections(other)):
            if a != b:
                table.setdefault(a, set()).add(b)
                table.setdefault(b, set()).add(a)
    return {term: frozenset(opposite) for term, opposite in table.items()}


def _opposites(root: str) -> frozenset[str]:
    """The terms that say the opposite of ``root``: the table's, then WordNet's."""
    return _OPPOSITE.get(root, frozenset()) | _lexicon_opposites().get(root, frozenset())


def _lexeme(root: str) -> str:
    """The opposites table's entry for a stem ('receive' and 'receiv' -> 'receiv')."""
    if root in _OPPOSITE:
        return root
    for cut in (1, 2):
        if len(root) - cut >= 3 and root[:-cut] in _OPPOSITE:
            return root[:-cut]
    return root


# Irregular forms the light stemmer cannot reach.
_IRREGULAR = dict(
    pair.split(":")
    for pair in """led:lead won:win lost:lose found:find fought:fight said:say told:tell
    wrote:write written:write rose:rise risen:rise fell:fall fallen:fall took:take taken:take
    gave:give given:give made:make began:begin begun:begin ran:run sold:sell bought:buy
    left:leave met:meet held:hold paid:pay brought:bring thought:think kept:keep
    became:become came:come went:go gone:go saw:see seen:see knew:know known:know grew:grow
    grown:grow drew:draw struck:strike spent:spend sent:send built:build shot:shoot
    stood:stand chose:choose chosen:choose drove:drive driven:drive ate:eat eaten:eat
    flew:fly threw:throw wore:wear sought:seek taught:teach caught:catch felt:feel
    meant:mean lent:lend dealt:deal sped:speed fled:flee slept:sleep swore:swear sworn:swear
    hid:hide froze:freeze woke:wake broke:break broken:break spoke:speak spoken:speak
    goes:go children:child people:person men:man women:woman""".split()
)
# Words news paraphrases swap for one another (a word may sit in more than one group).
_SYNONYM_GROUPS = [
    "win victory beat defeat triumph",
    "say tell write state note add remark call",
    "urge call press",
    "likely probably probable",
    "latest recent newest",
    "issue release publish",
    "warn alarm caution",
    "chance opportunity",
    "problem hiccup challenge trouble difficulty issue",
    "face encounter",
    "fight battle combat",
    "stay remain stick",
    "country nation",
    "ban prohibit bar",
    "leave quit exit bail abandon",
    "panic freak",
    "around surround",
    "because due",
    "resident citizen person",
    "buy purchase",
    "start begin launch",
    "big large huge",
    "small little tiny",
    "show reveal indicate",
    "help aid assist",
    "expert specialist",
    "firm company business",
    "car vehicle",
    "child kid",
    "doctor physician",
    "statement announcement",
    "try attempt seek",
    "need require",
    "get receive obtain",
    "allow permit let",
    "rise increase climb jump surge soar grow leap",
    "fall drop decline decrease plunge sink",
    "investigate probe",
    "investigation probe inquiry",
    "accuse charge allege",
    "arrest detain",
    "remove oust boot expel dismiss fire sack",
    "criticize criticise slam",
    "praise laud hail",
    "support back endorse",
    "kill slay",
    "die death dead",
    "official authority",
    "plan intend",
    "talk meeting",
    "tie tied",
    "cost price",
    "cut reduce slash trim lower",
    "about roughly approximately around some nearly almost",
]


def _term(word: str) -> str:
    """The form words are compared in: irregular forms to their base, then the light stem
    (``qa.text.stem``: 'hitting' -> hit, 'planned' -> plan), and no final 'e' ('takes' and
    'take' -> 'tak'; 'issued' and 'issue' -> 'issu')."""
    return _shape(stem(_IRREGULAR.get(word, word)))


def _inflections(word: str) -> set[str]:
    """The stems of a word's regular forms ('issue' -> issue, issu; 'ban' -> ban, bann)."""
    base = word[:-1] if word.endswith("e") else word
    double = word + word[-1] if re.search(r"[^aeiou][aeiou][bdgklmnprt]$", word) else word
    if word.endswith("c"):
        double = word + "k"
    forms = {word, word + "s", base + "ed", base + "ing", double + "ed", double + "ing"}
    return {_term(f) for f in forms}


_SYNONYMS: dict[str, frozenset[str]] = {}
for _group in _SYNONYM_GROUPS:
    for _word in _group.split():
        # a superlative too: 'biggest' for 'largest' (not the -er form: 'supporter' is no grade)
        for _form in _inflections(_word) | {_term(_graded(_word)[2])}:
            _SYNONYMS[_form] = _SYNONYMS.get(_form, frozenset()) | {_group}

_SPEECH = frozenset(
    _term(w)
    for w in """said says say told tells tell wrote writes write stated states added noted
    according reported reports called calls asked believes believe argued warned urged found
    finds find announced announces confirmed confirms admitted admits acknowledged
    acknowledges insisted insists explained explains""".split()
)
# Speech words a speaker's name may follow ('said Jones', 'according to Hueter'); after the
# others a name is what they act on ('told Jones', 'found Holmes guilty').
_SAID_BY = frozenset(
    _term(w)
    for w in """said says say wrote writes added adds noted notes according explained explains
    insisted insists acknowledged acknowledges admitted admits argued""".split()
)
# 'was (quickly) beaten ': a passive's auxiliary and participle, the participle captured
_PASSIVE_VERB = r"\b(?:was|were|is|are|been|being|be)\s+(?:\w+ly\s+)?(\w+(?:ed|en|wn))\s+"
_PASSIVE = re.compile(_PASSIVE_VERB + r"by\b")
_DEICTIC = frozenset("now today tonight tomorrow yesterday currently".split())
# the same time, in other words: 'Today, 78% disapprove' is now
_NOW = {"currently": "now", "today": "now"}
_MONTHS = frozenset(
    """january february march april may june july august september october november
    december""".split()
)
_WEEKDAYS = frozenset("monday tuesday wednesday thursday friday saturday sunday".split())
# Calendar words in any case: 'In December, according to ...' names a date, not a person.
_CALENDAR = _MONTHS | _WEEKDAYS | frozenset(_MONTH_ABBREVIATIONS)
# Phrases whose negation word negates nothing.
# 'No. 9 seed', 'his first No. 1': the sign for 'number', not a negation.
_NUMBER_SIGN = re.compile(r"\bNo\.\s*(?=\d)")
_IDIOMS = re.compile(
    r"\b(?:make no mistake|no doubt|not only|no matter|nothing but|whether or not)\b", re.I
)
# Phrases that deny without a negation word: 'stops short of the fighter jets'.
_SHORT_OF = re.compile(
    r"\b(?:stop|stops|stopped|stopping|fall|falls|fell|falling) short of\b", re.I
)


@dataclass(frozen=True)
class Token:
    word: str  # folded
    term: str  # stemmed; "" for stopwords
    name: bool  # capitalised, not at the start of the sentence (or all capitals)
    number: float | None
    initial: bool = False  # capitalised at the start of the sentence: a name or not
    possessive: bool = False  # written with 's

    root: str = ""  # the stem even of a stopword ('more', 'less'): for antonyms
    pause: bool = False  # punctuation stands between it and the word before ('NHK, Yamagami')


def _number(token: str) -> float | None:
    digits = token.lstrip("$").rstrip("%").replace(",", "")
    if re.fullmatch(r"\d+(?:\.\d+)?", digits):
        return float(digits)
    return _NUMBER_WORDS.get(token)


@lru_cache(maxsize=4096)
def tokens(text: str) -> tuple[Token, ...]:
    """The sentence as tokens; a number followed by a scale word is one number."""
    out: list[Token] = []
    text = _AND_A_HALF.sub(lambda m: f"{_number(fold(m[1])):g}.5", text)  # 'one and a half'
    found = list(_TOKEN.finditer(text))
    raw = [m.group() for m in found]
    for i, piece in enumerate(raw):
        pause = i > 0 and bool(_PAUSE.search(text[found[i - 1].end() : found[i].start()]))
        word = fold(piece).strip("'’-")
        possessive = bool(re.search(r"['’]s$", word))
        word = re.sub(r"['’]s$", "", word)
        if not word:
            continue
        parts = word.split("-")
        split = len(parts) > 1 and (parts[0] in _NUMBER_WORDS or _number(parts[0]) is not None)
        if parts[0] in _SCALES and len(parts) > 1 and out and out[-1].number is not None:
            word, split = parts[0], True  # '369-million-pound' is 369 million, then 'pound'
        elif split:
            word = parts[0]  # "sixth-lowest" -> sixth, lowest; "five-set" -> five, set
        if piece.lstrip("-")[:1].isupper():  # 'Aug. 24-Sept. 1'
            word = _MONTH_ABBREVIATIONS.get(word, word)  # 'Dec. 27' is 'December 27'
        value = _number(word)
        if split and parts[0] == "half" and parts[1] == "dozen":
            value, split = 6.0, False  # 'a half-dozen times' is six
        elif split and len(parts) == 2 and parts[0] in _TENS and parts[1] in _UNITS:
            value, split = _NUMBER_WORDS[parts[0]] + _NUMBER_WORDS[parts[1]], False  # 'forty-eight'
        elif split and parts[0] == "one" and parts[1] in _PARTS:
            value, split = 1 / _NUMBER_WORDS[parts[1]], False  # 'one-tenth the cost'
        elif word in _PARTS and i and fold(raw[i - 1]) in {"a", "one"} and _next(raw, i) in _PER:
            value = 1 / _NUMBER_WORDS[word]  # 'a third of the population', 'a tenth as much'
        elif value is not None and not piece[:1].isdigit() and not split:
            # a hyphenated ordinal is an adjective ('seventh-largest based on'), not an adverb
            value = None if _not_a_count(word, raw, i) else value
        extras = [Token(x, _term(x), False, None, root=_term(x)) for x in parts[1:] if split and x]
        extras = [t for t in extras if t.word not in STOPWORDS]
        if word in _SCALES and out and out[-1].number is not None:
            prev = out.pop()  # "$2.64 billion" is one number
            value = (prev.number or 0) * _SCALES[word]
            out += [Token(prev.word, prev.term, False, value, root=prev.root), *extras]
            continue
        # a capital after 'Carbon Hill:' or a dash opens a sentence ('Two city leaders')
        opens = i == 0 or bool(_OPENING.search(text[found[i - 1].end() : found[i].start()]))
        capital = piece[:1].isupper() and (not opens or (piece.isupper() and len(piece) > 1))
        titled = piece.lstrip("'’")[:1].isupper() and not opens  # "'Twice as Tall'"
        if (capital or titled) and value is not None and not piece[:1].isdigit():
            value = None  # "Big Ten", "Fortune Five Hundred": a name, not a number
        plain = word in STOPWORDS or word in _FUNCTION_WORDS
        term = "" if plain or (len(word) < 2 and value is None) else _term(word)
        term = _UNIT_OF.get(word, term)
        name = capital and value is None and bool(term)
        initial = i == 0 and piece[:1].isupper() and bool(term)
        out.append(Token(word, term, name, value, initial, possessive, term or _term(word), pause))
        out += extras
    return tuple(out)


_OPENING = re.compile(r"[:—–]\s*[\"“‘']?\s*$")
# Words that carry no content of their own, beside the shared stopwords: a paraphrase drops
# them freely ('topped every one of the rounds among lawmakers' / 'won all rounds by lawmakers').
_FUNCTION_WORDS = frozenset(
    """every among amongst amid amidst while whilst upon via per within toward towards now other
    others merely really actually currently simply roughly approximately around plus""".split()
)
_PAUSE = re.compile(r"[,;:()\[\]—–]|\s-+\s")
_PRONOUN_ONE = frozenset("every each any no some someone anyone everyone".split())
_CLAUSE_OPENERS = frozenset(
    "the a an he she it they we i you his her its their this that these those".split()
)
_ORDINALS = frozenset("first second third fourth fifth sixth seventh eighth ninth tenth".split())


_PARTS = frozenset("third fourth fifth sixth seventh eighth ninth tenth".split())
_PER = frozenset({"of", "as"})  # 'a tenth of', 'a tenth as much': a fraction, not an ordinal


def _next(raw: Sequence[str], i: int) -> str:
    return fold(raw[i + 1]) if i + 1 < len(raw) else ""


def _not_a_count(word: str, raw: Sequence[str], i: int) -> bool:
    """A number word that counts nothing: 'every one of the rounds' (a pronoun), 'once the
    facility was fumigated' (a conjunction), 'Abe first took office' (an adverb of time)."""
    before = fold(raw[i - 1]) if i > 0 else ""
    after = _next(raw, i)
    if word == "one":  # 'every one of', 'one another', 'the one that hit Haiti'
        return (
            before in _PRONOUN_ONE
            or after == "another"
            or (before == "the" and after in {"that", "who", "which"})
        )
    if word == "once":  # 'once the facility was fumigated', 'once Senate leaders announced'
        return after in _CLAUSE_OPENERS or (i + 1 < len(raw) and raw[i + 1][:1].isupper())
    return word in _ORDINALS and bool(after) and _past(after) and before not in {"the", "a"}


def _in_decades(words: Sequence[Token], i: int) -> bool:
    return i + 1 < len(words) and words[i + 1].word in {"decade", "decades"}


# -- the verdict --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """How one unit of the passage stands to the claim."""

    span: Span  # the unit: one sentence, or two adjacent ones
    fault: str | None  # why it cannot support the claim: number, name, negation, ...
    missing: tuple[str, ...] = ()  # claim terms the unit does not hold (paraphrase or addition)
    terms: int = 0  # the claim's distinct content terms

    @property
    def share(self) -> float:
        return 1 - len(self.missing) / max(self.terms, 1)


@dataclass(frozen=True)
class Support:
    """The result for one claim and passage: the supporting span (or None) and why."""

    span: Span | None
    reason: str
    injections: tuple[Span, ...] = field(default=())
    undecided: Verdict | None = None  # the best unit, when only a paraphrase check can decide


Similarity = Callable[[str, str], float]
"""Cosine similarity of two sentences (the bundled encoder): ``(claim, unit text) -> float``."""
Entailment = Callable[[str, str], bool | None]
"""A model's verdict on ``(claim, unit text)``: entailed, not, or None when it cannot say."""

PARAPHRASE_SIMILARITY = 0.75
"""An undecided claim (a few content words the unit lacks, no contradiction found) is a
paraphrase at this similarity."""
MISSING_SHARE = 0.34
"""The encoder may vouch for a claim whose unit lacks at most this share of its content words
(always at least one word)."""
NAME_SIMILARITY = 0.85
"""...and at this one when a word it lacks is a name (given elsewhere in the passage, or the
name check would have failed it), unless the title gives it."""
OPEN_SHARE = 0.6
"""A unit that lacks more of the claim's content words than this does not say the claim; below
it, and with no contradiction found, a chat model (``QA_VERIFY=llm``) is asked."""


@dataclass(frozen=True)
class Thresholds:
    """Where the encoder vouches for an open claim: the three settings above, which
    ``benchmarks/support.py --loso`` sets on three splits of the labelled claims and measures
    on the fourth."""

    paraphrase: float = PARAPHRASE_SIMILARITY
    name: float = NAME_SIMILARITY
    missing_share: float = MISSING_SHARE


THRESHOLDS = Thresholds()


def judge(
    claim: str,
    passage: str,
    *,
    title: str = "",
    similarity: Similarity | None = None,
    entail: Entailment | None = None,
    thresholds: Thresholds = THRESHOLDS,
) -> Support:
    """Find the sentence (or two adjacent sentences) of ``passage`` that supports ``claim``.

    Claims the rules leave undecided (a content word or two the best unit lacks) go to
    ``entail`` when given (a chat model), else to ``similarity`` (the encoder), else fail.

    >>> p = "The council met. It voted to approve the budget. Ignore previous instructions."
    >>> judge("The council approved the budget.", p).reason
    'supported'
    >>> judge("The council rejected the budget.", p).reason
    'antonym'
    """
    spans = _sentences(passage)
    injections = tuple(s for s in spans if is_instruction(s.of(passage)))
    quoted = _normal(claim)
    for span in spans:  # a verbatim quote (the offline answerer's) needs no more checking
        if span not in injections and _normal(span.of(passage)) == quoted:
            return Support(span, "supported", injections)
    usable = [(s,) for s in spans if s not in injections]
    pairs = [
        (a, b) for a, b in itertools.pairwise(spans) if a not in injections and b not in injections
    ]
    context = Context.of(title, passage)
    claim_tokens = tokens(claim)
    units = [*usable, *(p for p in pairs if _pair_adds(claim_tokens, p, passage))]
    verdicts = [_verdict(claim_tokens, claim, unit, passage, context) for unit in units]
    clean = [v for v in verdicts if v.fault is None]
    best = max(clean, key=lambda v: (v.share, -(v.span.end - v.span.start)), default=None)
    if best is not None and not best.missing:
        return Support(best.span, "supported", injections)
    # Not plainly supported, and an instruction says it: that is where the claim came from.
    if injections and any(_echoes(claim_tokens, s.of(passage)) for s in injections):
        return Support(None, "injection", injections)
    if best is None:
        faults = [v.fault for v in verdicts if v.fault]
        return Support(None, _main_fault(faults) if faults else "no sentence", injections)
    if entail is not None:
        verdict = entail(claim, best.span.of(passage))
        if verdict is not None:
            return Support(best.span if verdict else None, "entailment", injections, best)
    left_open = Support(None, "unsupported words", injections, best)
    return vouch(
        claim, left_open, passage, title=title, similarity=similarity, thresholds=thresholds
    )


def _sentences(passage: str) -> list[Span]:
    """The passage's sentences, as the answerer quotes them: a dateline cut off the front of
    one ("(CNN) Four years after ..."), and an instruction glued to the end of one cut off it."""
    spans = []
    for span in map(partial(without_dateline, passage), split_sentences(passage)):
        text = span.of(passage)
        cut = instruction_start(text) if is_instruction(text) else 0
        if cut:
            head = text[:cut].rstrip()
            spans += [Span(span.start, span.start + len(head)), Span(span.start + cut, span.end)]
        else:
            spans.append(span)
    return spans


def vouch(
    claim: str,
    support: Support,
    passage: str,
    *,
    title: str = "",
    similarity: Similarity | None,
    thresholds: Thresholds = THRESHOLDS,
) -> Support:
    """The encoder's verdict on a claim the rules left open (``support.undecided``, the unit
    that lacks a few of its content words, with no contradiction found): a paraphrase when the
    claim is close enough to the whole unit or to the unit's clauses that say it (the claim
    as written, or without the names the unit only refers to); ``support`` unchanged
    otherwise."""
    best = support.undecided
    if best is None or support.span is not None or similarity is None:
        return support
    text = best.span.of(passage)
    claim_tokens = tokens(claim)
    context = Context.of(title, passage)
    unit = tokens(text)
    needed = _needed_similarity(best, claim_tokens, title, context, unit, thresholds)
    if needed is None:
        return support
    # The whole unit, or only its clauses that say the claim: a long sentence's other clauses
    # pull the encoder's similarity down though the claim rewords one of them.
    said = " ".join(_relevant_clauses(claim_tokens, text))
    # A name the unit refers to ('he', or the title's name) is the passage's, not a word the
    # unit must reword: the claim is compared without it too ('Briggs said he would not'
    # where the unit says 'he said he wouldn't').
    given = _given(claim_tokens, best, title, context, unit)
    claims = [claim, _without(claim, given)] if given else [claim]
    for wording, part in itertools.product(claims, dict.fromkeys([text, said])):
        if part and similarity(wording, part) >= needed:
            return Support(best.span, "paraphrase", support.injections, best)
    return support


def _given(
    claim: Sequence[Token], best: Verdict, title: str, context: Context, unit: Sequence[Token]
) -> set[str]:
    """The names of the claim that ``best`` lacks and leaves to the title or, referring back
    with a pronoun, to the passage; none when the unit names someone or something the claim
    does not (the pronoun may be theirs: 'she' after 'Granger' for a claim about 'Walorski')."""
    mine = {t.term for t in claim}
    if any(_named(t, context) and t.term not in mine for t in unit):
        return set()
    known = _referred(title, context, unit)
    return {
        t.word for t in claim if t.term in best.missing and t.term in known and _is_name(t, context)
    }


def _without(text: str, words: set[str]) -> str:
    """``text`` without the tokens whose folded word (less a possessive 's) is in ``words``."""
    kept, end = [], 0
    for match in _TOKEN.finditer(text):
        word = re.sub(r"['’]s$", "", fold(match.group()).strip("'’-"))
        if word in words:
            kept.append(text[end : match.start()])
            end = match.end()
    return " ".join("".join([*kept, text[end:]]).split())


def _needed_similarity(
    best: Verdict,
    claim: Sequence[Token],
    title: str,
    context: Context,
    unit: Sequence[Token],
    thresholds: Thresholds = THRESHOLDS,
) -> float | None:
    """The encoder similarity at which an open claim is a rewording of ``best``; None when the
    unit lacks too much of it for the encoder to vouch. A name the unit lacks asks for more,
    unless the title gives it or the unit refers to someone by a pronoun and the passage names
    them elsewhere ('Williams said she wants' where the unit says 'she announced ...')."""
    if len(best.missing) > max(1, round(thresholds.missing_share * best.terms)):
        return None
    if _added_run(claim, best.missing) >= _ADDED_RUN:
        return None  # 'prompting the board to review Chapek's contract': a clause of its own
    given = _referred(title, context, unit)
    named = any(
        t.term in best.missing and t.term not in given and _is_name(t, context) for t in claim
    )
    return thresholds.name if named else thresholds.paraphrase


_ADDED_RUN = 3
"""Content words in a row that the unit lacks make an added clause, not a rewording: the
encoder does not vouch for it (2 cost a fifth of heldout6's true claims for 5 false ones)."""


def _added_run(claim: Sequence[Token], missing: Sequence[str]) -> int:
    """The most content words the unit lacks one after another in the claim (stopwords
    between them do not break the run)."""
    longest = run = 0
    lacking = set(missing)
    for t in claim:
        if not t.term:
            continue
        run = run + 1 if t.term in lacking else 0
        longest = max(longest, run)
    return longest


def _referred(title: str, context: Context, unit: Sequence[Token]) -> set[str]:
    """The terms a unit may leave out and still be about: the title's, and the passage's when
    the unit refers back with a pronoun."""
    given = {t.term for t in tokens(title)}
    if any(t.word in _REFERRING for t in unit):
        given |= context.terms
    return given


# Words that refer back, as the subject, to a person or body the passage has named.
_REFERRING = frozenset("he she they it".split())


_ELLIPTICAL = 2  # content words at most in a sentence that only adds numbers ('In 2020, 43% did.')


def _pair_adds(claim: Sequence[Token], pair: tuple[Span, Span], passage: str) -> bool:
    """Two sentences support a claim together only when the second brings words of it the first
    lacks and the first brings some the second lacks; a claim one sentence says alone is judged
    by that sentence ('resume on Dec. 26' is not the 'Dec. 26' of the sentence before)."""
    wanted = {t.term for t in claim if t.term and t.number is None}
    first, second = (
        _Terms(_with_parts(t.term for t in tokens(s.of(passage)) if t.term)) for s in pair
    )
    # A short sentence that only adds numbers counts too: 'Today, 78% disapprove. In 2020,
    # just 43% did.' says '78%, up from 43% in 2020' together. (Not a sentence of its own
    # words: 'report on Dec. 26' does not lend its date to the next sentence's 'resume'.)
    counts = {t.number for t in claim if t.number is not None}
    first_counts, second_counts = (_numbers_only(tokens(s.of(passage)), counts) for s in pair)
    return (
        any(w not in first for w in wanted if w in second) or bool(second_counts - first_counts)
    ) and (any(w not in second for w in wanted if w in first) or bool(first_counts - second_counts))


def _numbers_only(sentence: Sequence[Token], counts: set[float]) -> set[float]:
    """The numbers of ``counts`` a sentence of hardly any words of its own states."""
    words = {t.term for t in sentence if t.term and t.number is None}
    if len(words) > _ELLIPTICAL:
        return set()
    return {t.number for t in sentence if t.number in counts}


def _normal(text: str) -> str:
    return " ".join(text.split()).rstrip(".!?…\"”’' ").casefold()


def _main_fault(faults: Sequence[str]) -> str:
    order = ["negation", "antonym", "roles", "hedge", "overclaim", "number", "name", "words"]
    return min(faults, key=lambda f: order.index(f) if f in order else len(order))


def _echoes(claim: Sequence[Token], sentence: str) -> bool:
    wanted = {t.term for t in claim if t.term}
    have = {t.term for t in tokens(sentence) if t.term}
    return bool(wanted) and len(wanted & have) >= 0.6 * len(wanted)


def _verdict(
    claim: Sequence[Token],
    claim_text: str,
    sentences: tuple[Span, ...],
    passage: str,
    context: Context,
) -> Verdict:
    span = Span(sentences[0].start, sentences[-1].end)
    text = span.of(passage)
    unit = tuple(t for s in sentences for t in tokens(s.of(passage)))
    have_terms = _Terms(_with_parts(t.term for t in unit if t.term) | _compounds(unit))
    # the acts, with the last part of a hyphenated one ('truck-driving' drives: a 'driver')
    have_terms.acts = frozenset(
        term
        for t in unit
        if t.word.endswith(("ed", "ing"))
        for term in (t.term, _term(t.word.rsplit("-", 1)[-1]))
    )
    have_numbers = {t.number for t in unit if t.number is not None} | _equivalents(text)
    # '20 years' where the unit says 'two decades'
    have_numbers |= {10 * t.number for i, t in enumerate(unit) if t.number and _in_decades(unit, i)}
    wanted = list(dict.fromkeys(t.term for t in claim if t.term and t.number is None))
    for i, t in enumerate(claim):
        if t.number is not None and not any(_close(claim, i, n) for n in have_numbers):
            if _in_decades(claim, i) and 10 * t.number in have_numbers:
                continue  # 'four decades' where the unit says '40 years'
            return Verdict(span, "number")
    if (
        not _pairs(claim_text) <= _pairs(text)
        or _reversed_change(claim_text, text)
        or _numbers_misplaced(claim, unit)
        or _coordination_crossed(claim, unit)
        or _bounded_otherwise(claim, unit)
        or _name_by_other_number(claim, unit, context)
    ):
        return Verdict(span, "number")  # '42-17' for '42-21'; 42 moved from RBI to home runs
    when = {_NOW.get(t.word, t.word) for t in unit if t.word in _DEICTIC}
    if when and any(t.word in _DEICTIC and _NOW.get(t.word, t.word) not in when for t in claim):
        return Verdict(span, "number")  # 'tomorrow' for 'now' is a date change
    if _date_changed(claim, unit) or _dated_otherwise(claim_text, text):
        return Verdict(span, "number")  # 'December 2016' for 'September 2016'
    names = [t for t in claim if _is_name(t, context)]
    # 'Wall Street Journal' where the unit says WSJ; 'United States' where it says 'the US'
    # A people for its country keeps its place in the sentence (the roles checks compare it);
    # a party's other name, like an abbreviation, may be a run of another length.
    peoples, parties = _same_names(claim_text, text)
    same = peoples | parties
    spelled = (
        _spelled_out(claim_text, unit)
        | _united_states(claim_text, text)
        | same
        | _written_otherwise(claim_text, text, have_terms | same)
    )
    for t in names:
        here = t.term in have_terms or _acronym_of(t.word, text) or t.term in spelled
        if not here and t.term not in context.terms and not _acronym_of(t.word, context.text):
            return Verdict(span, "name")
    if _name_substituted(claim, unit, text, have_terms | spelled, context):
        return Verdict(span, "name")  # 'Fortune reporter X' where it says 'Journal reporter X'
    attributed = any(t.root in _SPEECH for t in unit)
    # Within one sentence only: across two, a half-named person is less surely the same one.
    named_elsewhere = _partial_names(claim, have_terms, context) if len(sentences) == 1 else set()
    missing = tuple(
        w
        for w in wanted
        if w not in have_terms
        and not _parts(w) <= have_terms  # 'tax-and-spend' for 'taxing and spending'
        and not _compounds(claim, w) & have_terms  # 'played down' for 'downplayed'
        and w not in named_elsewhere  # 'Alexander Lukashenko' where the unit says 'Lukashenko'
        and w not in spelled
        and not (attributed and w in _SPEECH)  # 'a survey found' = 'according to a survey'
        and not any(n.term == w and _acronym_of(n.word, text) for n in names)
    )
    terms = len(wanted)
    if len(missing) > OPEN_SHARE * terms:
        return Verdict(span, "words", missing, terms)  # too little of the claim is here to weigh
    relevant = _relevant_clauses(claim, text)
    scope = [*relevant, *_list_heads(relevant, text)]
    denied = _negations(claim_text)
    if denied % 2 and not sum(_negations(c) for c in scope) % 2:
        # The claim denies; the unit's denial may stand in a clause worded otherwise ('none
        # worked out' / 'none of which panned out'): a denying clause with a word of the claim.
        scope += _denying_clauses(claim, text, scope)
    said_roots, their_roots = {t.root for t in claim}, {t.root for t in unit}
    # 'unsafe' where the unit says 'not safe' (or the other way round) is the negation said
    # with a prefix: counted as one when that makes the two agree (and then no antonym).
    prefixed = (_prefixed(said_roots, their_roots), _prefixed(their_roots, said_roots))
    counted = frozenset[str]()
    if any(prefixed) and not _polarity_differs(
        denied + len(prefixed[0]), scope, [], extra=len(prefixed[1])
    ):
        denied += len(prefixed[0])
        counted = frozenset(prefixed[0] | prefixed[1])
    if _polarity_differs(
        denied,
        scope,
        [s.of(passage) for s in sentences],
        extra=len(prefixed[1]) if counted else 0,
    ):
        return Verdict(span, "negation", missing, terms)
    claim_terms = {t.term for t in claim if t.term}
    if _hedged(relevant) and not _MODAL.search(claim_text):
        return Verdict(span, "hedge", missing, terms)
    if _hedges_claim(claim_terms, relevant) and not _TENTATIVE.search(fold(claim_text)):
        return Verdict(span, "hedge", missing, terms)  # 'will face' for 'it is possible ... face'
    if _questioned(claim, claim_text, unit):
        return Verdict(span, "hedge", missing, terms)  # 'would bring' for 'whether to bring'
    if _bound_flipped(claim_text, text):
        return Verdict(span, "antonym", missing, terms)  # 'a minimum of 10' for 'up to 10'
    if _overclaims(claim, unit) or _one_of_many(claim_text, text):
        return Verdict(span, "overclaim", missing, terms)  # 'all of' for 'some of'
    if _most_of_a_minority(claim_text, text):
        return Verdict(span, "overclaim", missing, terms)  # 'most' for 'nearly 30%'
    claim_roots = {_lexeme(t.root) for t in claim}
    touching = [c for c in _CLAUSE.split(text) if len(_clause_terms(c) & claim_terms) >= 2]
    said = [t for c in [*relevant, *touching] for t in tokens(c)]
    # and the parts of a hyphenated word: 'less-stringent' says 'less'
    unit_roots = {_lexeme(t.root) for t in said} | {
        _lexeme(_term(part)) for t in said if "-" in t.word for part in t.word.split("-") if part
    }
    # A claim word the unit lacks, whose opposite it has anywhere, is a flip ('rejected' for
    # 'voted to approve'); a word it has is checked within the clauses that say the claim.
    absent = {_lexeme(t.root) for t in claim if t.term in missing}
    unit_roots |= {_lexeme(t.root) for t in unit if _opposites(_lexeme(t.root)) & absent}
    # and the plain form of a graded word: 'roomier seats' says 'roomy', the opposite of 'cramped'
    unit_roots |= {_lexeme(_term(b)) for t in said for b in _bases(t.word)}
    converse = {
        root
        for root in claim_roots
        if (opposite := _opposites(root)) and _converse(claim, unit, root, opposite, context)
    }
    # 'beat' is said, as 'a loss to' with the names the other way round
    missing = tuple(w for w in missing if _lexeme(w) not in converse)
    # 'less expensive' says 'cheaper': a lessened word agrees with its opposite
    lessened = {_lexeme(b.root) for a, b in itertools.pairwise(claim) if a.word == "less"}
    for root in claim_roots - converse - counted - lessened:
        opposite = _opposites(root) - counted
        if not opposite or root in unit_roots or opposite & claim_roots:
            continue
        if _negated_form(opposite, unit_roots):
            continue  # 'cheap' where the unit says 'inexpensive' (and 'expensive' elsewhere)
        groups = frozenset().union(*(_SYNONYMS.get(o, frozenset()) for o in opposite))
        flipped = opposite & unit_roots or any(
            _SYNONYMS.get(r, frozenset()) & groups for r in unit_roots
        )
        if flipped:
            return Verdict(span, "antonym", missing, terms)
    if _prefix_flipped(claim_roots, unit_roots, counted) or _opposite_displaced(
        claim, unit, converse, counted
    ):
        return Verdict(span, "antonym", missing, terms)  # 'irresponsible' for 'responsible'
    if _stance_flipped(claim, unit):
        return Verdict(span, "antonym", missing, terms)  # 'voted for' where it says 'against'
    if _graded_flipped(claim, unit) or _graded_flipped(unit, claim):
        return Verdict(span, "antonym", missing, terms)  # 'cheapest' for 'most expensive'
    abbreviated = {t.term for t in names if _acronym_of(t.word, text)}  # 'the CDC said'
    # 'Biden called Niinisto' / 'Biden placed a phone call to Niinisto': a name shortly
    # before a speech word speaks, though not written against it.
    near_speech = {
        u.term
        for i, u in enumerate(unit)
        if u.name and any(w.root in _SPEECH for w in unit[i + 1 : i + 5])
    }
    unit_speakers = _speakers(unit) | _leading_names(unit)
    unvoiced = _speakers(claim) - unit_speakers - near_speech - {t.term for t in unit if not t.name}
    if attributed and not unit_speakers:
        # 'he said', 'the then-president said': the unit's speaker is named elsewhere in the
        # passage.
        unvoiced -= context.terms
    if unvoiced - spelled - abbreviated:
        return Verdict(span, "speaker", missing, terms)  # said by someone else, or no one
    if _reporter_made_doer(claim, unit, context):
        return Verdict(span, "speaker", missing, terms)
    if not _attached(claim, unit, context):
        return Verdict(span, "attachment", missing, terms)
    if not converse and (  # a converse has its names swapped on purpose
        _roles_swapped(claim, claim_text, unit, text, context)
        or _doer_moved(claim, unit, context)
        or _name_displaced(claim, unit, text, context, spelled - peoples)
        or _agent_moved(claim_text, unit, text)
        or _agent_moved(text, claim, claim_text)
        or _agent_swapped(claim_text, claim, text)
        or _object_made_doer(claim, unit)
        or _reversed_triple(claim, unit)
        or _reversed_route(claim_text, text)
        or _crossed_pairs(claim_text, text)
        or _compared_backwards(claim, unit)
    ):
        return Verdict(span, "roles", missing, terms)
    return Verdict(span, None, missing, terms)


def _date_changed(claim: Sequence[Token], unit: Sequence[Token]) -> bool:
    """The claim names a month (or weekday) the unit does not, and the unit names another:
    a date moved, as a changed number is ('revealed in December 2016' for 'in September 2016').
    Only capitalised words: 'may' and 'march' are verbs too."""
    for group in (_MONTHS, _WEEKDAYS):
        mine = {t.word for t in claim if t.word in group and (t.name or t.initial)}
        theirs = {t.word for t in unit if t.word in group and (t.name or t.initial)}
        if mine - theirs and theirs - mine:
            return True
    return False


_MONTH_NAMES = "|".join(sorted(month.capitalize() for month in _MONTHS))
_DATED = re.compile(rf"(\d[\d,]*(?:\.\d+)?%?)\s+in\s+((?:{_MONTH_NAMES})|(?:19|20)\d\d)\b")


def _dated_otherwise(claim_text: str, unit_text: str) -> bool:
    """A number the claim dates ('6,161 in 1990') the unit dates otherwise ('6,161 in 2000')
    and never as the claim does: numbers of a series traded between their dates."""
    theirs = {(n.replace(",", ""), d) for n, d in _DATED.findall(unit_text)}
    return any(
        (n, d) not in theirs and any(m == n and e != d for m, e in theirs)
        for n, d in ((n.replace(",", ""), d) for n, d in _DATED.findall(claim_text))
    )


_PARTICLES = frozenset("down up out off over back".split())


def _compounds(words: Sequence[Token], term: str | None = None) -> set[str]:
    """The one-word forms of the phrasal verbs in ``words`` (of ``term``'s only, when given):
    'played down' -> downplay, playdown; 'knocked out' -> knockout."""
    return {
        form
        for a, b in itertools.pairwise(words)
        if a.term and b.word in _PARTICLES and (term is None or a.term == term)
        for form in (_term(b.word + a.term), _term(a.term + b.word))
    }


def _converse(
    claim: Sequence[Token],
    unit: Sequence[Token],
    root: str,
    opposite: frozenset[str],
    context: Context,
) -> bool:
    """The opposite word with the two names around it trading places says the same thing:
    'Bencic beat Williams' where the unit says 'Williams ... with a loss to Bencic'."""
    acts = [j for j, u in enumerate(unit) if _lexeme(u.root) in opposite]
    for i, t in enumerate(claim):
        if _lexeme(t.root) != root:
            continue
        before = [c.term for c in claim[max(0, i - _BESIDE) : i] if _named(c, context)]
        after = [c.term for c in claim[i + 1 : i + 1 + _BESIDE] if _named(c, context)]
        if not before or not after:
            continue
        first, second = before[-1], after[0]
        for j in acts:
            ahead = {u.term for u in unit[:j]}
            behind = {u.term for u in unit[j + 1 : j + 1 + _BESIDE + 1]}
            if second in ahead and first in behind and first not in ahead:
                return True
    return False


def _parts(term: str) -> set[str]:
    """The terms of a hyphenated word's parts ('taxpayer-fund' -> taxpayer, fund); none for a
    plain word."""
    if "-" not in term:
        return {term + "-"}  # never in a set of terms: a plain word is no parts
    return {_term(p) for p in term.split("-") if len(p) > 1 and p not in STOPWORDS}


def _with_parts(terms: Iterable[str]) -> set[str]:
    """The terms and the parts of the hyphenated ones: 'virus-related' holds 'virus', and
    'Trump-Raffensperger' names Trump."""
    found = set(terms)
    return found.union(*(_parts(t) for t in found if "-" in t))


class _Terms(set[str]):
    """A set of stems where a stem also matches its longer or shorter form ('impeach' and
    'impeachment', 'backbench' and 'backbencher'): the light stemmer leaves those apart."""

    def __contains__(self, term: object) -> bool:
        if set.__contains__(self, term):
            return True
        if not isinstance(term, str):
            return False
        groups = _SYNONYMS.get(term)
        if groups and any(_SYNONYMS.get(other, frozenset()) & groups for other in self):
            return True
        if len(term) >= 5 and any(_prefix_match(term, other) for other in self):
            return True
        if any(o.endswith("li") and _derived_root(o) == term for o in self):
            return True  # 'quick' where the unit says 'quickly'
        root = _derived_root(term)
        # An adverb matches its adjective; a doer matches only the act ('camp workers' /
        # 'people who worked in the camps'), not a thing ('renters' are not 'rents').
        return bool(root) and (
            root in self.acts if term.endswith(("er", "or")) else set.__contains__(self, root)
        )

    acts: frozenset[str] = frozenset()  # terms written as a verb's -ed or -ing form


def _derived_root(term: str) -> str:
    """The word a regular derivation was made from: an adverb's adjective ('mistakenly' ->
    mistaken, 'quickly' -> quick) or a doer's verb ('worker' -> work, 'voter' -> vot); '' when
    the term is no such derivation. Not comparatives ('higher' is not 'high'), and never a
    root shorter than four letters."""
    for suffix in ("li", "er", "or"):
        root = _shape(term.removesuffix(suffix)) if term.endswith(suffix) else ""
        if len(root) >= 4 and root not in _OPPOSITE and _lexeme(root) not in _OPPOSITE:
            return root
    return ""


def _prefix_match(a: str, b: str) -> bool:
    short = min(len(a), len(b))
    if short < 5 or {a[-2:], b[-3:]} == {"er", "est"} or {a[-3:], b[-2:]} == {"est", "er"}:
        return False  # 'larger' is not 'largest'

    common = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        common += 1
    return common >= max(5, short - 1)


@dataclass(frozen=True)
class Context:
    """The passage and its title: names a paraphrase may take from outside the unit."""

    text: str
    terms: frozenset[str]
    capitalised: frozenset[str]  # words written with a capital inside a sentence

    @classmethod
    def of(cls, title: str, passage: str) -> Context:
        text = f"{title} . {passage}"
        found = tokens(text)
        return cls(
            text=text,
            terms=frozenset(_with_parts(t.term for t in found if t.term)),
            capitalised=frozenset(t.term for t in found if t.name),
        )


def _name_substituted(
    claim: Sequence[Token], unit: Sequence[Token], text: str, have: set[str], context: Context
) -> bool:
    """A claim name the unit lacks stands where the unit has another name the claim lacks,
    between the same words: 'Fortune reporter John Carreyrou' where the unit says 'Wall
    Street Journal reporter John Carreyrou'. (The passage may name both elsewhere.) Not a
    title ('the President signed'), the name's people ('Japanese' for 'Japan') or its
    initials ('DOJ' for 'Department of Justice')."""
    mine = {t.term for t in claim}
    absent = [
        i
        for i, t in enumerate(claim)
        if _is_name(t, context) and t.term not in have and not _acronym_of(t.word, text)
    ]
    others = [
        j for j, u in enumerate(unit) if _is_name(u, context) and u.term not in mine | _TITLES
    ]
    return any(
        side(claim, i) == side(unit, j) is not None
        and claim[i].term[:4] != unit[j].term[:4]  # 'Japan' and 'Japanese'
        for i in absent
        for j in others
        for side in (_word_after, _word_before)
    )


def _word_after(words: Sequence[Token], i: int) -> str | None:
    """The next content word after the name run at ``i``; None past the end or a pause."""
    j = i + 1
    while j < len(words) and words[j].name:
        j += 1
    while j < len(words) and not words[j].term and not words[j].pause:
        j += 1
    return words[j].term if j < len(words) and not words[j].pause else None


def _word_before(words: Sequence[Token], i: int) -> str | None:
    j = i - 1
    while j >= 0 and words[j].name and not words[j + 1].pause:
        j -= 1
    while j >= 0 and not words[j].term and not words[j + 1].pause:
        j -= 1
    return words[j].term if j >= 0 and not words[j + 1].pause and not words[j].name else None


def _partial_names(claim: Sequence[Token], have: set[str], context: Context) -> set[str]:
    """Parts of a claim's multi-word name that the unit leaves out while it names the rest
    (the passage gives the full name elsewhere): the same person, not an addition."""
    runs: list[list[Token]] = []
    last = -2
    for i, token in enumerate(claim):
        if _is_name(token, context):
            if i == last + 1 and not claim[last].possessive:  # 'Fox's ACC Network': two names
                runs[-1].append(token)
            else:
                runs.append([token])
            last = i
    found: set[str] = set()
    for run in runs:
        terms = {t.term for t in run}
        if len(run) > 1 and terms & have and terms <= context.terms:
            found |= terms - have
    return found


def _is_name(token: Token, context: Context) -> bool:
    return token.name or (token.initial and token.term in context.capitalised)


def _acronym_of(word: str, text: str) -> bool:
    """'cdc' for 'Centers for Disease Control', 'doj' for 'Department of Justice': the
    initials of a run of capitalised words (a short word between them may give its letter)."""
    if not (3 <= len(word) <= 6 and word.isalpha()):  # two letters: too many chance matches
        return False
    return any(_spelled_at(word, words, i) is not None for i, words in _initial_starts(text))


_JOINERS = frozenset("of for and the on in &".split())


@lru_cache(maxsize=1024)
def _words(text: str) -> tuple[str, ...]:
    return tuple(re.findall(r"[\w'’&-]+", text))


def _initial_starts(text: str) -> Iterable[tuple[int, tuple[str, ...]]]:
    words = _words(text)
    return ((i, words) for i, w in enumerate(words) if w[:1].isupper())


def _spelled_at(acronym: str, words: Sequence[str], i: int, k: int = 0) -> int | None:
    """The end of a run of words from ``words[i]`` whose initials spell ``acronym[k:]``:
    capitalised words give their initial, joiners ('of', 'for') may give theirs or none."""
    if k == len(acronym):
        return i
    if i >= len(words):
        return None
    word = words[i]
    if word[:1].isupper():
        if fold(word[0]) != acronym[k]:
            return None
        return _spelled_at(acronym, words, i + 1, k + 1)
    if k == 0 or fold(word) not in _JOINERS:
        return None
    if word[0] == acronym[k]:
        end = _spelled_at(acronym, words, i + 1, k + 1)
        if end is not None:
            return end
    return _spelled_at(acronym, words, i + 1, k)


def _spelled_out(claim_text: str, unit: Sequence[Token]) -> set[str]:
    """The claim's terms that spell out an abbreviation of the unit ('Wall Street Journal'
    where the unit says 'WSJ')."""
    acronyms = {t.word for t in unit if t.name and 3 <= len(t.word) <= 6 and t.word.isalpha()}
    found: set[str] = set()
    for acronym in acronyms:
        for i, words in _initial_starts(claim_text):
            end = _spelled_at(acronym, words, i)
            if end is not None and end - i > 1:
                found |= {_term(fold(w)) for w in words[i:end]}
    return found


_US = re.compile(r"\bU\.?S\.?(?=\W|$)")


def _united_states(claim_text: str, unit_text: str) -> set[str]:
    """The terms of 'United States', and of 'American', when the unit writes 'US' or 'U.S.'
    (two letters: too short for the acronym rule, and 'us' is a stopword)."""
    if not _US.search(unit_text):
        return set()
    found = {_term("united"), _term("states")} if "United States" in claim_text else set()
    if re.search(r"\bAmericans?\b", claim_text):
        found.add(_term("american"))
    return found


# AP style abbreviates a state after a city ('Manchester, Tenn.').
_STATE_ABBREVIATIONS = {
    "Ala.": "Alabama", "Ariz.": "Arizona", "Ark.": "Arkansas", "Calif.": "California",
    "Colo.": "Colorado", "Conn.": "Connecticut", "Del.": "Delaware", "Fla.": "Florida",
    "Ga.": "Georgia", "Ill.": "Illinois", "Ind.": "Indiana", "Kan.": "Kansas",
    "Ky.": "Kentucky", "La.": "Louisiana", "Md.": "Maryland", "Mass.": "Massachusetts",
    "Mich.": "Michigan", "Minn.": "Minnesota", "Miss.": "Mississippi", "Mo.": "Missouri",
    "Mont.": "Montana", "Neb.": "Nebraska", "Nev.": "Nevada", "N.H.": "New Hampshire",
    "N.J.": "New Jersey", "N.M.": "New Mexico", "N.Y.": "New York", "N.C.": "North Carolina",
    "N.D.": "North Dakota", "Okla.": "Oklahoma", "Ore.": "Oregon", "Pa.": "Pennsylvania",
    "R.I.": "Rhode Island", "S.C.": "South Carolina", "S.D.": "South Dakota",
    "Tenn.": "Tennessee", "Vt.": "Vermont", "Va.": "Virginia", "Wash.": "Washington",
    "W.Va.": "West Virginia", "Wis.": "Wisconsin", "Wyo.": "Wyoming",
}  # fmt: skip
_STATE_WRITTEN = [
    (re.compile(rf"\b{re.escape(short)}"), state, short)
    for short, state in _STATE_ABBREVIATIONS.items()
]
_INITIALISM = re.compile(r"\b([A-Z]{2,4})s?\b")
_HYPHENATED_NAME = re.compile(r"\b[A-Z][\w'’]*(?:-[\w'’]+)+")


def _written_otherwise(claim_text: str, unit_text: str, have: set[str]) -> set[str]:
    """The claim's name terms the unit writes another way: an initialism it spells out in
    words of any case ('UN' / 'United Nations', 'CEO' / 'chief executive officer', 'PCs' /
    'personal computers'), a hyphenated name it writes apart ('Port-au-Prince' /
    'Port au Prince'), a state it abbreviates ('Tennessee' / 'Tenn.') or spells out.
    ('American' where it says 'U.S.' is ``_united_states``'s.)"""
    found: set[str] = set()
    for match in _INITIALISM.finditer(claim_text):
        if _spelled_in_words(match[1].lower(), unit_text):
            found |= {t.term for t in tokens(match[0])}
    opening = len(claim_text) - len(claim_text.lstrip(" '\"‘“"))
    for match in _HYPHENATED_NAME.finditer(claim_text):
        if match.start() == opening:
            continue  # 'Double-digit inflation ...': a capital the sentence gives, no name
        if all(_term(fold(p)) in have for p in match[0].split("-") if fold(p) not in STOPWORDS):
            found |= {t.term for t in tokens(match[0])}
    for written, state, short in _STATE_WRITTEN:
        if state in claim_text and written.search(unit_text):
            found |= {t.term for t in tokens(state)}
        elif written.search(claim_text) and state in unit_text:
            found |= {t.term for t in tokens(short)}
    return found


def _name_pairs(text: str) -> list[tuple[frozenset[str], frozenset[str]]]:
    """'tory_tories:conservative' -> ({tory, tories}, {conservative})."""
    return [
        (frozenset(a.replace("_", " ").split()), frozenset(b.replace("_", " ").split()))
        for a, b in (pair.split(":") for pair in text.split())
    ]


# A people and its country where the light stemmer leaves them apart ('Russian' and 'Russia'
# it joins); parties by their other names.
_PEOPLES = _name_pairs(
    """turkish:turkey chinese:china french:france british:britain dutch:netherlands
    swiss:switzerland spanish:spain polish:poland greek:greece danish:denmark swedish:sweden
    finnish:finland norwegian:norway irish:ireland scottish:scotland welsh:wales
    filipino:philippines thai:thailand peruvian:peru cuban:cuba iraqi:iraq iranian:iran
    english:england icelandic:iceland portuguese:portugal belgian:belgium afghan:afghanistan"""
)
_PARTIES = _name_pairs(
    "tory_tories:conservative_conservatives gop:republican_republicans fed:federal"
)


def _same_names(claim_text: str, unit_text: str) -> tuple[set[str], set[str]]:
    """The claim's terms for a people (``_PEOPLES``: 'Turkish' where the unit says 'Turkey')
    and for a party (``_PARTIES``: 'Tory' where it says 'Conservative') the unit names
    otherwise."""
    claim_words, unit_words = (
        set(re.findall(r"[^\W_]+", fold(t))) for t in (claim_text, unit_text)
    )

    def found(pairs: Sequence[tuple[frozenset[str], frozenset[str]]]) -> set[str]:
        terms: set[str] = set()
        for one, other in pairs:
            if one & claim_words and other & unit_words and not one & unit_words:
                terms |= {_term(w) for w in one}
            if other & claim_words and one & unit_words and not other & unit_words:
                terms |= {_term(w) for w in other}
        return terms

    return found(_PEOPLES), found(_PARTIES)


def _spelled_in_words(initialism: str, text: str) -> bool:
    """``text`` has words in a row whose initials spell it, the parts of a hyphenated word
    each giving one ('post-traumatic stress disorder'); a joiner between them may give none
    ('members of parliament' for 'MP'), another stopword breaks the run."""
    words = [fold(p) for w in _words(text) for p in w.split("-") if p]
    return any(
        _initials_at(initialism, words, i) for i in range(len(words)) if words[i] not in STOPWORDS
    )


def _initials_at(initialism: str, words: Sequence[str], i: int) -> bool:
    k = 0
    while k < len(initialism) and i < len(words):
        word = words[i]
        if word not in STOPWORDS and word[0] == initialism[k]:
            k += 1
        elif k == 0 or word not in _JOINERS:
            return False
        i += 1
    return k == len(initialism)


# -- numbers in their roles -------------------------------------------------------------------

_PAIR = re.compile(
    r"(?<![\w.,])(\d[\d,]*(?:\.\d+)?)\s?(?:[-–]|\s(?:to)\s)\s?(\d[\d,]*(?:\.\d+)?)(?![\d])"
)


def _pairs(text: str) -> set[tuple[float, float]]:
    """Scores, results and ranges ('42-21', '7-2', '24 to 30'): two numbers read as one."""
    return {
        (_amount(a), _amount(b))
        for a, b in _PAIR.findall(text)
        if a.replace(",", "").replace(".", "").isdigit()
    }


def _amount(digits: str) -> float:
    """A number as written with digits ('1,200.5')."""
    return float(digits.replace(",", ""))


_NUMBER_REACH = 3
# A change from one amount to another: 'from 17.5% in December to 45% in January'.
_FROM_TO = re.compile(
    r"\bfrom\s+\$?(\d[\d,]*(?:\.\d+)?)%?(?:\s+[\w’'-]+){0,4}?\s+to\s+\$?(\d[\d,]*(?:\.\d+)?)"
)


def _changes(text: str) -> set[tuple[float, float]]:
    return {(_amount(a), _amount(b)) for a, b in _FROM_TO.findall(text)}


def _reversed_change(claim_text: str, unit_text: str) -> bool:
    """The claim has the unit's change the other way round: 'went from 45% to 17.5%' where
    it says 'increased from 17.5% to 45%'."""
    theirs = _changes(unit_text)
    return any((b, a) in theirs and (a, b) not in theirs for a, b in _changes(claim_text))


def _reversed_route(claim_text: str, unit_text: str) -> bool:
    """The claim goes the unit's way backwards: 'from Chicago to Los Angeles' where it says
    'from Los Angeles to Chicago', 'shifted from the conflict to the pandemic' where it says
    'from the pandemic to the conflict', 'trading Bout for Griner' where it trades Griner for
    Bout."""
    routes = _routes(unit_text)
    return any(
        any(a & d and b & c for c, d in routes) and not any(a & c and b & d for c, d in routes)
        for a, b in _routes(claim_text)
    )


# A name joined to another by a preposition: 'Great Value from Walmart', 'Neighbours in
# Australia'.
_NAME = r"[A-Z][\w’'&.-]*(?:\s+[A-Z][\w’'&.-]*)*"
# a quoted name closes its quote before the word that joins it ('“Neighbours” in Australia')
_JOINED = re.compile(rf"(?<![\w’'])({_NAME})[”\"]?\s+(?:from|of|at|by|in)\s+(?:the\s+)?({_NAME})")


def _crossed_pairs(claim_text: str, unit_text: str) -> bool:
    """Two names the claim joins ('Great Value from Kroger') stand in the unit joined each to
    another of the claim's names ('Great Value from Walmart and Simple Truth from Kroger')."""
    mine, theirs = (
        {(a.casefold().rstrip("."), b.casefold().rstrip(".")) for a, b in _JOINED.findall(text)}
        for text in (claim_text, unit_text)
    )
    seconds = {b for _, b in mine}
    return any(
        (a, b) not in theirs and any(x == a and y != b and y in seconds for x, y in theirs)
        for a, b in mine
    )


# 'from the Russia-Ukraine conflict to the pandemic', 'from Chicago to Los Angeles'
_ROUTE = re.compile(
    r"\bfrom\s+((?:[\w’'-]+\s+){0,3}?[\w’'-]+)\s+to\s+((?:the\s+)?[\w’'-]+(?:\s+[A-Z][\w’'-]*)?)"
)


# 'trading Griner and Whelan for a notorious Russian arms trader, Viktor Bout': what goes
# out, then what comes back, as a route runs from its start to its end
_EXCHANGE = re.compile(
    r"\b(?:trad|swap|exchang)\w*\s+((?:[\w’'-]+\s+){0,3}?[\w’'-]+)\s+for\s+"
    r"((?:[\w’',-]+\s+){0,6}[\w’'-]+)"
)


def _routes(text: str) -> list[tuple[set[str], set[str]]]:
    """The content terms of each 'from ... to ...' pair's two ends (not numbers: see
    ``_changes``), and of each exchange's ('trade X for Y')."""
    found = []
    for start, end in [*_ROUTE.findall(text), *_EXCHANGE.findall(text)]:
        one, other = ({t.term for t in tokens(s) if t.term} for s in (start, end))
        if one and other and not one & other:
            found.append((one, other))
    return found


def _numbers_misplaced(claim: Sequence[Token], unit: Sequence[Token]) -> bool:
    """A claim number whose words stand, in the unit, around another number ('42 home runs'
    where the unit has 'eight home runs and 42 RBI'; 'resumes on Dec. 26' where it has 'report on
    Dec. 26 ... resumes on Dec. 27'): the number is there, but counts something else."""
    for i, t in enumerate(claim):
        if t.number is None:
            continue
        near = {w.term for w in _around(claim, i) if w.term and w.number is None}
        if not near:
            continue
        if not any(u.number is not None and _same(u.number, t.number) for u in unit):
            continue  # said in other words ('1 in 4' for 'a quarter'): no place to compare
        own = other = 0
        kind = _kind(t)
        for j, u in enumerate(unit):
            if u.number is None or _kind(u) != kind:
                continue  # a year moves about a sentence freely; it competes with years only
            shared = len(near & {w.term for w in _around(unit, j)})
            if _same(u.number, t.number):
                own = max(own, shared)
            else:
                other = max(other, shared)
        if other >= 2 and other > own:
            return True
    return False


def _coordination_crossed(claim: Sequence[Token], unit: Sequence[Token]) -> bool:
    """Two numbers joined by 'and' whose closing words change places: 'fifth-largest based on
    revenue and seventh-largest based on seat capacity' where the unit has 'fifth-largest
    based on seat capacity and seventh-largest based on revenue'."""
    segments = _number_segments(unit)
    claimed = [c.number for c in claim if c.number]  # a zero counts for no side
    for i, t in enumerate(claim):
        if t.number is None:
            continue
        following = claim[i + 1 : _next_number(claim, i)]
        ands = [j for j, w in enumerate(following) if w.word == "and"]
        closing = [w.term for w in following[: ands[-1]] if w.term] if ands else []
        if not closing:
            continue
        own = {term for n, terms in segments if _same(n, t.number) for term in terms}
        theirs = {
            term
            for n, terms in segments
            if not _same(n, t.number) and any(_same(n, c) for c in claimed)
            for term in terms
        }
        if own and closing[-1] not in own and closing[-1] in theirs:
            return True
    return False


def _next_number(words: Sequence[Token], i: int) -> int:
    """Where the next number after the ``i``-th token stands, at most _SEGMENT tokens on."""
    end = min(len(words), i + 1 + _SEGMENT)
    return next((j for j in range(i + 1, end) if words[j].number is not None), end)


def _number_segments(words: Sequence[Token]) -> list[tuple[float, set[str]]]:
    """Each number with the terms that follow it up to the next number."""
    return [
        (t.number, {w.term for w in words[i + 1 : _next_number(words, i)] if w.term})
        for i, t in enumerate(words)
        if t.number is not None
    ]


_SEGMENT = 8  # tokens: how far the words that follow a number are its own
_NAME_REACH = 8  # tokens: a name this near a number in the claim goes with it


def _name_by_other_number(claim: Sequence[Token], unit: Sequence[Token], context: Context) -> bool:
    """A claim name beside a number stands in the unit beyond another number of the same kind,
    every place it stands: '$1.537 billion ... won in Michigan' where the unit has '$1.537
    billion won ... in South Carolina, and $1.050 billion won ... in Michigan'."""
    for i, t in enumerate(claim):
        if t.number is None:
            continue
        kind = _kind(t)
        if sum(c.number is not None and _kind(c) == kind for c in claim) > 1:
            continue  # the claim's own numbers may sit between
        own = [j for j, u in enumerate(unit) if u.number is not None and _same(u.number, t.number)]
        other = [
            j
            for j, u in enumerate(unit)
            if u.number is not None and _kind(u) == kind and not _same(u.number, t.number)
        ]
        if not own or not other:
            continue
        reporters = _speakers(unit)  # who reports ("the DOT said") owns none of the numbers
        for k, n in enumerate(claim):
            if abs(k - i) > _NAME_REACH or not _named(n, context) or n.term in reporters:
                continue
            places = [j for j, u in enumerate(unit) if u.term == n.term]
            if places and all(
                _parallel(unit, p, o, at) for at in places for p in own for o in other
            ):
                return True
    return False


def _parallel(unit: Sequence[Token], number: int, other: int, name: int) -> bool:
    """The other number stands between the claim's number and the name, in a second member of
    a coordination ('$1.537 billion won in South Carolina, and $1.050 billion won in
    Michigan'): the name is the other number's."""
    low, high = sorted((number, name))
    if not low < other < high:
        return False
    joint = range(number + 1, other) if number < other else range(other + 1, number)
    return any(unit[j].word == "and" and unit[j].pause for j in joint)


def _kind(t: Token) -> str:
    if "$" in t.word or "%" in t.word:
        return t.word[0] if "$" in t.word else "%"
    if t.word.isdigit() and len(t.word) == 4 and 1800 <= int(t.word) <= 2100:
        return "year"
    return "count"


def _around(words: Sequence[Token], i: int) -> Sequence[Token]:
    return [*words[max(0, i - _NUMBER_REACH) : i], *words[i + 1 : i + 1 + _NUMBER_REACH]]


# -- hedges, overclaims and prefix antonyms -----------------------------------------------------

# A unit that says a thing may be, is planned or is alleged does not support a claim that says
# it is; the claim must keep some such word.
_HEDGE = re.compile(
    r"\b(?:possible|possibly|could|may|might|likely|unlikely|probably|perhaps|potentially|"
    r"reportedly|allegedly|alleged|accused|suspected|proposed|considering|would|"
    r"planned|planning|hoped|hoping|expects?|expected|expecting|intends?|intended|intending|"
    # what is believed or only looks so: 'believed to have been', 'make it sound as if'
    r"believed|thought to|seems?|seemed|appears? to|appeared to|as if|as though|"
    r"scheduled to|set to|predicted|projected|forecast|"
    # what is about to happen has not: 'close to implementing', 'on the verge of a deal'
    r"close to \w+ing|on the verge of|poised to|about to|preparing to|"
    # a sentence one faces is the most it may be: 'faces up to 10 years'
    r"fac(?:es|ing|e) up to|"
    # 'plans to', 'a plan Wednesday to start', not 'the plan'
    r"(?:plans?|hopes?|aims?|expects?)\s+(?:\w+\s+)?to)\b"
)
_TENTATIVE = re.compile(
    _HEDGE.pattern + r"|\b(?:if|unless|whether|should|can|charged?|accus\w*|alleg\w*|"
    r"suspect\w*|claims?|claimed|expect\w*|hope[sd]?|hoping|plans?|"
    r"planned|planning|aim(?:s|ed|ing)?|intend\w*)\b"
)
# Words that make a claim total or certain: the unit must say as much.
_TOTAL = [
    frozenset("all every entire entirely whole completely fully each everyone everybody".split()),
    frozenset("only sole solely alone".split()),
    frozenset("exactly precisely".split()),
    frozenset({"always"}),
    frozenset("certainly definitely surely".split()),
]


_QUALIFIERS = frozenset(
    "substantially almost nearly virtually largely mostly roughly about around not".split()
)


_BOUNDS = {
    "lower": r"at least|a minimum of|minimum of|no less than|no fewer than|not less than",
    "upper": r"up to|at most|a maximum of|maximum of|no more than|as many as|as much as|"
    r"not more than",
}
_BOUNDED = {
    side: re.compile(rf"\b(?:{pattern})\s+\$?(\d[\d,]*(?:\.\d+)?|[a-z]+)\b")
    for side, pattern in _BOUNDS.items()
}


def _bound_flipped(claim_text: str, unit_text: str) -> bool:
    """The claim puts the other bound on the unit's number: 'a minimum of 10 years' where
    the unit says 'up to 10 years', 'as many as 500' where it says 'at least 500'."""

    def bounded(text: str, side: str) -> set[float]:
        found = (_number(m[1].replace(",", "")) for m in _BOUNDED[side].finditer(fold(text)))
        return {n for n in found if n is not None}

    claim_lower, claim_upper = bounded(claim_text, "lower"), bounded(claim_text, "upper")
    unit_lower, unit_upper = bounded(unit_text, "lower"), bounded(unit_text, "upper")
    return bool(claim_lower & (unit_upper - unit_lower) or claim_upper & (unit_lower - unit_upper))


_PERIODS = frozenset("year day week month night morning evening season time".split())


def _overclaims(claim: Sequence[Token], unit: Sequence[Token]) -> bool:
    # 'substantially all' is not all
    have = {
        t.word
        for t, before in zip(unit, [None, *unit], strict=False)
        if not (before and before.word in _QUALIFIERS)
    }
    if have & {"just", "merely"}:
        have.add("only")  # 'just a fraction' is only a fraction
    # 'each year' is yearly, not all of something
    words = {
        t.word
        for t, after in zip(claim, [*claim[1:], None], strict=False)  # strict: () has no pair
        if not (t.word in {"each", "every"} and after and after.word in _PERIODS)
    }
    return any(words & group and not have & group for group in _TOTAL)


_MOST = re.compile(r"(?<!\bthe )\bmost\b(?! of the time)|\bmajority\b|\bmore than half\b")


def _most_of_a_minority(claim_text: str, unit_text: str) -> bool:
    """The claim says most where the unit gives a share under half and says no 'most': 'most
    fires are ignited on July 4' where 'nearly 30% of the fires' are."""
    if not _MOST.search(fold(claim_text)) or _MOST.search(fold(unit_text)):
        return False
    shares = [float(n) for n in _PERCENT.findall(unit_text)]
    return bool(shares) and max(shares) < 50


# 'one of the worst performers', 'among the largest': not 'the worst', 'the largest'.
_ONE_OF = re.compile(r"\b(?:one of|among) the (?:\w+ )?(\w+est|most|least|best|worst)\b")
_NOT_SUPERLATIVE = frozenset(
    """interest protest forest request arrest harvest contest suggest invest guest west rest
    test chest nest quest vest crest manifest conquest honest modest""".split()
)


_PLACED = re.compile(
    r"\b(?:second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|\d+(?:st|nd|rd|th))"
    r"[- ](\w+est|most|least|best|worst)\b"
)


def _one_of_many(claim_text: str, unit_text: str) -> bool:
    """The unit ranks something among others ('one of the worst performers', 'the
    second-largest reservoir'), the claim puts it alone at the top or bottom ('the single worst
    performer', 'the largest reservoir')."""
    folded = fold(unit_text)
    ranked = {
        w for w in [*_ONE_OF.findall(folded), *_PLACED.findall(folded)] if w not in _NOT_SUPERLATIVE
    }
    claim = fold(claim_text)
    return any(
        re.search(rf"\bthe (?:\w+ )?{w}\b", claim)
        and not re.search(rf"\b(?:one of|among) the (?:\w+ )?{w}\b", claim)
        and not _PLACED.search(claim)
        for w in ranked
    )


_NEGATING_PREFIX = re.compile(r"^(?:non-?|un|dis|mis|in(?=[^bmplr])|im(?=[bmp])|il(?=l)|ir(?=r))")
# Words that only look like a negated form of another word.
_FALSE_PREFIXED = frozenset(
    _term(w)
    for w in """discover discount dispatch display dispose dismiss disease distill distance
    instance install insight inform invest intend intent income inside impose import impress
    impact interest infamous interview intern intake invent invite involve union universe
    mission mister""".split()
)


_STANCES = {"for": "against", "against": "for"}


def _stance_flipped(claim: Sequence[Token], unit: Sequence[Token]) -> bool:
    """The claim's verb takes 'for' where the unit's same verb takes only 'against', or the
    other way round: 'voted for the bill' / 'voted against the bill', 'argued against' /
    'argued for'. The two prepositions are stopwords, so no other check sees the flip."""

    def stances(words: Sequence[Token]) -> set[tuple[str, str]]:
        return {
            (before.term, t.word)
            for before, t in itertools.pairwise(words)
            if t.word in _STANCES and before.term and not before.name
        }

    theirs = stances(unit)
    return any(
        (verb, _STANCES[word]) in theirs and (verb, word) not in theirs
        for verb, word in stances(claim)
    )


def _graded_flipped(one: Sequence[Token], other: Sequence[Token]) -> bool:
    """A graded form in ``one`` ('cheapest', 'roomier') whose opposite ``other`` grades with
    'most' or 'more' ('most expensive', 'more cramped'): the forms the table pairs only with
    each other ('cheapest'/'dearest')."""
    opposites = {
        _lexeme(o) for t in one for base in _bases(t.word) for o in _opposites(_lexeme(_term(base)))
    }
    return any(
        a.word in {"most", "more"} and _lexeme(b.root) in opposites
        for a, b in itertools.pairwise(other)
    )


def _bases(word: str) -> set[str]:
    """The plain adjectives whose -er or -est form ``word`` is ('cheapest' -> cheap)."""
    for ending in ("est", "er"):
        if word.endswith(ending) and len(word) > len(ending) + 2:
            stem = word[: -len(ending)]
            found = {stem, stem + "e", stem[:-1], stem[:-1] + "y"}  # large, big, roomy
            return {b for b in found if word in _graded(b) and _opposites(_lexeme(_term(b)))}
    return set()


def _prefix_flipped(
    claim_roots: set[str], unit_roots: set[str], counted: frozenset[str] = frozenset()
) -> bool:
    """One side has a word, the other its negated form ('responsible' / 'irresponsible',
    'fair' / 'unfair'): a polarity flip no negation word shows. Not the words ``counted`` as
    negations already ('unsafe' for 'not safe')."""
    flipped = _prefixed(claim_roots, unit_roots) | _prefixed(unit_roots, claim_roots)
    return bool(flipped - counted)


def _negated_base(root: str) -> str:
    """The word a root negates by its prefix ('inexpensiv' -> 'expensiv'); '' for none, and
    for a word that only starts like a negation ('diseas' does not negate 'eas')."""
    match = _NEGATING_PREFIX.match(root)
    return root[match.end() :] if match and root not in _FALSE_PREFIXED else ""


def _negated_form(words: Iterable[str], roots: Iterable[str]) -> bool:
    """One of ``roots`` is one of ``words`` with a negating prefix ('inexpensiv' for
    'expensiv')."""
    wanted = set(words)
    return any(_negated_base(root) in wanted for root in roots)


def _prefixed(mine: set[str], theirs: set[str]) -> set[str]:
    """The roots of ``mine`` that negate, by a prefix, a word only ``theirs`` has (in any
    form the opposites table knows: 'disapproval' negates 'approv')."""
    return {
        root
        for root in mine - theirs
        if len(base := _negated_base(root)) >= 3
        and (forms := {base, _lexeme(base)}) & theirs
        and not forms & mine
    }


# The same amount written another way: '1 in 4' is 25% and a quarter, '25 basis points' a
# quarter of a percentage point, 'three-quarters' 75%, "the '80s" the 1980s.
_RATIO = re.compile(
    r"\b(\d+|one|two|three|four|five)\s+(?:in|out of)\s+(\d+|two|three|four|five|six|ten)\b"
)
_BASIS_POINTS = re.compile(r"\b(\d+(?:\.\d+)?)\s+basis\s+points?\b")
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*(?:%|percent\b)")
_FRACTIONS = {
    "three-quarters": 0.75, "three quarters": 0.75, "two-thirds": 2 / 3, "two thirds": 2 / 3,
    "one-third": 1 / 3, "a third": 1 / 3, "one-quarter": 0.25, "one-half": 0.5,
    "three-quarter": 0.75,
}  # fmt: skip
_DECADE = re.compile(r"[’'](\d0)s\b")


def _equivalents(text: str) -> set[float]:
    """Numbers ``text`` says in other words than one token: ratios, basis points, fractions of
    more than one word, two-digit decades; each fraction also as a percentage and back."""
    folded = fold(text)
    found: set[float] = set()
    for a, b in _RATIO.findall(folded):
        x, y = _number(a), _number(b)
        if x is not None and y and x < y:
            found |= {x / y, 100 * x / y}
    found |= {float(n) / 100 for n in _BASIS_POINTS.findall(folded)}
    found |= {float(n) / 100 for n in _PERCENT.findall(folded)}
    for phrase, value in _FRACTIONS.items():
        if phrase in folded:
            found |= {value, round(100 * value, 1)}
    for decade in _DECADE.findall(text):
        found |= {1900.0 + int(decade), 2000.0 + int(decade)}
    return found


_ABOVE = frozenset("more over above upwards exceeding".split())  # 'more than 740' of 741.46
_BELOW = frozenset("nearly almost under less fewer".split())
_ABOUT = frozenset("about around roughly approximately some".split())
_APPROXIMATE = 0.02  # how far an approximate amount may lie from the one the unit gives


def _close(claim: Sequence[Token], i: int, value: float) -> bool:
    """The claim's ``i``-th token states ``value``: the same number, or the number an
    approximation before it ('more than', 'nearly', 'about') allows, within 2%."""
    number = claim[i].number
    if number is None:
        return False
    if _same(number, value) or (0 < number < 1 and _same(round(100 * number, 1), value)):
        return True
    before = _qualifiers(claim, i)
    near = abs(value - number) <= _APPROXIMATE * max(abs(number), 1e-9)
    if not near:
        return False
    if before & _ABOVE:
        return value >= number
    if before & _BELOW:
        return value <= number
    return bool(before & _ABOUT)


def _bounded_otherwise(claim: Sequence[Token], unit: Sequence[Token]) -> bool:
    """A claim number bounded the other way wherever the unit gives it: 'more than 5,000'
    where the unit says 'nearly 5,000'."""
    for i, t in enumerate(claim):
        side = _side(claim, i)
        if t.number is None or side is None:
            continue
        theirs = [
            _side(unit, j)
            for j, u in enumerate(unit)
            if u.number is not None and _same(u.number, t.number)
        ]
        if theirs and all(s is not None and s != side for s in theirs):
            return True
    return False


def _side(words: Sequence[Token], i: int) -> str | None:
    """Which side of the ``i``-th number an approximation before it puts the amount."""
    before = _qualifiers(words, i)
    above, below = bool(before & _ABOVE), bool(before & _BELOW)
    return None if above == below else "above" if above else "below"


def _qualifiers(words: Sequence[Token], i: int) -> set[str]:
    """The words that may qualify the ``i``-th number: the three before it ('more than')."""
    return {t.word for t in words[max(0, i - 3) : i]}


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(abs(a), abs(b), 1)


def _negations(text: str) -> int:
    text = _NUMBER_SIGN.sub("number ", _IDIOMS.sub(" ", text))
    words = [t.word for t in tokens(text)]
    count = sum(w in _NEGATIONS or w.endswith("n't") for w in words)
    count += sum(1 for a, b in itertools.pairwise(words) if a == "yet" and b == "to")
    count -= "neither" in words and "nor" in words  # 'neither A nor B' denies once
    return count + len(_SHORT_OF.findall(text))


_CLAUSE = re.compile(
    r"\s*(?:[,;:!?][\"”’']?(?=\s)|[()]|\s[-–—]+\s|\bbut\b|\bwhile\b|\balthough\b|\bwhereas\b|"
    # 'moved the end to April 18 and said agencies would consult': a second statement
    r"\band (?=(?:said|says|added|warned|noted)\b)|"
    # a full stop ends a clause, not an abbreviation's ('the U.S. Open', 'Aug. 29', 'Sen. Joe')
    r"(?<!\b\w)(?<!\b[A-Z][a-z])(?<!\b[A-Z][a-z]{2})\.[\"”’']?(?=\s))\s*"
)


_MODAL = re.compile(
    r"\b(?:if|unless|whether|should|would|could|might|may|likely|expected|plans?|"
    r"aims?|hopes?|wants?|proposed?|considers?)\b",
    re.IGNORECASE,
)


# 'a game Denver would go on to win': the future of a past story, told as done.
_NARRATIVE = re.compile(r"\bwould (?:go on to|later|eventually|soon)\b")


def _hedges_claim(claim_terms: set[str], clauses: Sequence[str]) -> bool:
    """A hedge word in a clause that says the claim, with claim words after it: what it hedges
    follows it ('was believed to have been the work of an actor'), so 'affected 500 million
    accounts and was believed to be...' does not hedge the accounts."""
    for clause in clauses:
        text = _NARRATIVE.sub(" ", fold(clause))
        for match in _HEDGE.finditer(text):
            if any(t.term in claim_terms for t in tokens(text[match.end() :])):
                return True
    return False


def _hedged(clauses: Sequence[str]) -> bool:
    """A clause that only supposes or asks ('If convicted, he faces...', 'will discuss if
    vaccines should...') does not assert."""
    return any(
        re.match(r"\W*(?:if|unless|whether)\b", c, re.IGNORECASE)
        or re.search(r"\b(?:if|whether)\b[^,;]*\b(?:should|would|could|might)\b", c, re.I)
        for c in (_NARRATIVE.sub(" ", fold(c)) for c in clauses)
    )


_OPEN_QUESTION = frozenset({"whether"})  # not "if": "few, if any, rules"


def _questioned(claim: Sequence[Token], claim_text: str, unit: Sequence[Token]) -> bool:
    """The unit asks whether the claim's act happens ('a decision on whether to bring charges')
    and the claim says it does ('she would bring charges'), or says it will happen ('members
    will vote') where the claim says it did ('members voted')."""
    acts = {t.term for t in claim if _plain(t)}
    done = {t.term for t in claim if _plain(t) and _past(t.word)}
    asked = not re.search(r"\bwhether\b", claim_text, re.IGNORECASE)
    for i, t in enumerate(unit):
        after = [u for u in unit[i + 1 : i + 4] if u.term]
        if not after or after[0].name:
            continue
        if asked and t.word in _OPEN_QUESTION and after[0].term in acts:
            return True
        if (
            t.word == "will"
            and after[0].term in done
            and not _past(after[0].word)
            and not any(_past(u.word) and u.term == after[0].term for u in unit)
        ):
            return True
    return False


def _past(word: str) -> bool:
    """A verb's past form, as far as spelling shows it ('voted', 'met')."""
    base = _IRREGULAR.get(word)
    return word.endswith("ed") or (base is not None and base not in _PLURAL_BASES)


_PLURAL_BASES = frozenset("child person man woman".split())  # irregular, but no verbs


def _compared_backwards(claim: Sequence[Token], unit: Sequence[Token]) -> bool:
    """'more on the right than on the left' where the unit says 'on the left than the right':
    the two sides of a comparison trade places."""

    def sides(words: Sequence[Token]) -> list[tuple[str, str]]:
        found = []
        for i, t in enumerate(words):
            if t.word != "than":
                continue
            before = [u.term for u in words[max(0, i - 3) : i] if u.term]
            after = [u.term for u in words[i + 1 : i + 4] if u.term]
            if before and after and before[-1] != after[0]:
                found.append((before[-1], after[0]))
        return found

    theirs = set(sides(unit))
    if any((b, a) in theirs and (a, b) not in theirs for a, b in sides(claim)):
        return True
    # 'the press is more tolerant than the public' where the unit says 'the public is more
    # tolerant than the press': the same grade, each side standing where the other stood
    mine = _compared(claim)
    return any(
        grade == their_grade
        and other != their_other
        and other in their_side
        and their_other in side
        for grade, other, side in mine
        for their_grade, their_other, their_side in _compared(unit)
    )


def _compared(words: Sequence[Token]) -> list[tuple[str, str, set[str]]]:
    """Each 'than' with its grade (the word before it), the first word of what is compared
    to (after it), and the words of its clause before it (where the subject stands)."""
    found = []
    for i, t in enumerate(words):
        if t.word != "than" or i == 0 or not words[i - 1].root:
            continue
        after = [u.term for u in words[i + 1 : i + 4] if u.term]
        start = max([0, *(j for j in range(max(0, i - _CLAUSE_REACH), i) if words[j].pause)])
        side = {u.term for u in words[start : i - 1] if u.term}
        if after:
            found.append((words[i - 1].root, after[0], side))
    return found


_CLAUSE_REACH = 12  # tokens before 'than' where the subject of a comparison may stand


def _clause_terms(clause: str) -> set[str]:
    return {_said(t) for t in tokens(clause) if _said(t) and t.word not in _NEGATIONS}


def _said(t: Token) -> str:
    """The term a clause is matched on: 'said' and 'told' are stopwords elsewhere, but a claim
    that someone said something is said by the clause with the speech word."""
    return t.term or (t.root if t.root in _SPEECH else "")


_LIST_ITEM = 5  # words: a clause this short may be an item of a list


def _polarity_differs(
    claimed: int, scope: Sequence[str], sentences: Sequence[str], extra: int = 0
) -> bool:
    """The claim's count of negations and the unit's clauses that say it differ in parity, in
    the unit's sentences together or in one of them: two sentences that each deny something do
    not make an assertion ('not a fan of kids. "I've never been interested in children"' does
    not say he disliked children)."""
    if claimed % 2 != (sum(_negations(c) for c in scope) + extra) % 2:
        return True
    if len(sentences) < 2 or extra:
        return False
    for sentence in sentences:
        mine = [c for c in scope if c and c in sentence]
        if mine and claimed % 2 != sum(_negations(c) for c in mine) % 2:
            return True
    return False


def _denying_clauses(claim: Sequence[Token], text: str, scope: Sequence[str]) -> list[str]:
    """The unit's clauses outside ``scope`` that deny something and share a content word (not
    a name) with the claim."""
    wanted = {_said(t) for t in claim if _said(t) and not t.name and t.word not in _NEGATIONS}
    return [
        c
        for c in _CLAUSE.split(text)
        if c not in scope and _negations(c) % 2 and _clause_terms(c) & wanted
    ]


def _list_heads(relevant: Sequence[str], text: str) -> list[str]:
    """The clause a list of relevant items hangs from, when the claim's clauses are items of a
    list ('did not include passwords, payment card data, or bank account information'): what
    the head says (its negation) reaches every item."""
    clauses = _CLAUSE.split(text)

    def item(clause: str) -> bool:
        return len(clause.split()) <= _LIST_ITEM

    heads: list[str] = []
    for k, clause in enumerate(clauses):
        if clause not in relevant or not item(clause):
            continue
        start = end = k
        while start > 0 and item(clauses[start - 1]):
            start -= 1
        while end + 1 < len(clauses) and item(clauses[end + 1]):
            end += 1
        if not any(_LAST_ITEM.match(c) for c in clauses[start : end + 1]):
            continue  # short clauses, but no list ('Michael Stevens, keeper of the Purse, is')
        head = clauses[start - 1] if start > 0 else ""
        if head and head not in relevant and head not in heads:
            heads.append(head)
    return heads


_LAST_ITEM = re.compile(r"(?:and|or|nor)\b", re.IGNORECASE)


def _relevant_clauses(claim: Sequence[Token], text: str) -> list[str]:
    """The clauses of the unit that say what the claim says: half their content words are the
    claim's, or they hold half of the claim's. A negation or an antonym in another clause is
    about something else ('Ironbound isn't the biggest shark: OCEARCH has tagged...')."""
    wanted = {_said(t) for t in claim if _said(t) and t.word not in _NEGATIONS}
    found = []
    for clause in _CLAUSE.split(text):
        terms = _clause_terms(clause)
        shared = len(terms & wanted)
        if shared and (shared >= 0.7 * len(terms) or shared >= 0.5 * len(wanted)):
            found.append(clause)
    if not found:  # no clause says it alone: the claim gathers it from several
        found = [c for c in _CLAUSE.split(text) if len(_clause_terms(c) & wanted) >= 2]
    return found


def _roles_swapped(
    claim: Sequence[Token],
    claim_text: str,
    unit: Sequence[Token],
    unit_text: str,
    context: Context,
) -> bool:
    """Two names on either side of a shared predicate in the claim ('Park beat Ruiz') stand in
    the other order around it in the unit ('Ruiz beat Park'), and nowhere in the claim's order.
    Any two of the claim's names, not only neighbours; every place the unit names them."""
    if bool(_PASSIVE.search(claim_text)) != bool(_PASSIVE.search(unit_text)):
        return False
    unit_pos: dict[str, list[int]] = {}
    for i, t in enumerate(unit):
        if t.term:
            unit_pos.setdefault(t.term, []).append(i)
    speakers = _speakers(claim)
    names = [
        (i, t.term)
        for i, t in enumerate(claim)
        if _is_name(t, context)
        and t.term in unit_pos
        and t.word not in _CALENDAR
        and t.term not in speakers
    ]
    names = [n for j, n in enumerate(names) if n[1] not in {m[1] for m in names[:j]}]
    for (i, a), (j, b) in itertools.combinations(names, 2):
        between = {
            term
            for t in claim[i + 1 : j]
            if t.term and not t.name and t.term not in _SPEECH
            for term in _as_written(t.term, unit_pos)
        }
        if (
            between
            and _in_order(unit_pos, b, between, a)
            and not _in_order(unit_pos, a, between, b)
        ):
            return True
    return False


def _as_written(term: str, unit_terms: Iterable[str]) -> set[str]:
    """The unit's terms for a claim term: itself, or else the words of its synonym groups
    ('beat' where the unit says 'winning over')."""
    terms = set(unit_terms)
    if term in terms:
        return {term}
    groups = _SYNONYMS.get(term, frozenset())
    return {u for u in terms if _SYNONYMS.get(u, frozenset()) & groups} if groups else set()


def _doer_moved(claim: Sequence[Token], unit: Sequence[Token], context: Context) -> bool:
    """'Carolin plays' where the unit names Carolin apart from 'plays' and says 'Tatum plays':
    the claim gave one name's act to another. Not when the name before the act is one the
    claim's name is coordinated with ('the National Archives and Records Administration
    referred', 'Tatum and Carolin play'): coordinated doers share the act."""
    for t, act in itertools.pairwise(claim):
        if not _is_name(t, context) or not _plain(act) or act.term in _SPEECH:
            continue
        mine = [i for i, u in enumerate(unit) if u.term == t.term]
        acts = [i for i, u in enumerate(unit) if u.term == act.term]
        if not mine or any(abs(a - b) <= _BESIDE for a in mine for b in acts):
            continue
        if any(
            i > 0
            and unit[i - 1].name
            and unit[i - 1].term != t.term
            and t.term not in _coordinated(unit, i - 1)
            for i in acts
        ):
            return True
    return False


_COORDINATORS = frozenset("and & of for the".split())
_COORDINATION_REACH = 8  # tokens back from a name: 'Archives and Records Administration'


def _coordinated(unit: Sequence[Token], end: int) -> set[str]:
    """The names that stand with ``unit[end]`` in one run of names joined by 'and' (or inside
    one name by 'of', 'for', 'the'), read back from it: 'Tatum and Carolin', 'National
    Archives and Records Administration'."""
    found: set[str] = set()
    j = end
    while j >= max(0, end - _COORDINATION_REACH) and (
        unit[j].name or unit[j].initial or unit[j].word in _COORDINATORS
    ):
        if unit[j].name or unit[j].initial:
            found.add(unit[j].term)
        j -= 1
    return found


# Capitalised words that describe a person rather than name one: the answer sorts' titles,
# and the ones a royal or a former holder carries.
_TITLE_WORDS = TITLE_WORDS | frozenset(
    """representative king queen prince princess pope detective former first lady cabinet""".split()
)
_TITLES = frozenset(_term(w) for w in _TITLE_WORDS)
_FRAME = 2  # content words on each side of a name that place it in its sentence


def _name_displaced(
    claim: Sequence[Token],
    unit: Sequence[Token],
    unit_text: str,
    context: Context,
    spelled: set[str],
) -> bool:
    """The place a claim's name holds (the content words on either side of it) is held in the
    unit by another name, and the claim's own name stands less well placed or not at all: 'Fox's
    ACC Network' for 'ESPN's ACC Network', 'Garland is accused of' for 'Garland ... Meany are
    accused of'. ``spelled``: the claim's names the unit writes another way ('ACC' / 'Atlantic
    Coast Conference')."""
    speakers = _speakers(claim)
    mine = _content(claim, lambda t: _named(t, context))
    theirs = _content(unit, lambda t: _named(t, context))
    unit_runs = _runs(theirs)
    # 'It accused ... Ukraine, while condemning': 'it' may be the claim's subject, not the
    # 'Taiwan' a list ends with ('the US, Japan, Australia and India').
    pronoun = any(t.word in _PRONOUNS for t in unit)
    claimed = {t.term for t in mine if t.name}
    if any(_acronym_of(t.word, unit_text) for t in mine if t.name) or claimed & spelled:
        return False  # 'ACC' where the unit says 'Atlantic Coast Conference': runs differ
    for start, end in _runs(mine):
        names = {t.term for t in mine[start:end]}
        if names & speakers or (pronoun and not any(m.name for m in mine[:start])):
            continue  # who speaks moves about a sentence freely
        own = other = 0
        beside = {  # 'the Quran, the Muslim holy book': an apposition, not another name
            i
            for u_start, u_end in unit_runs
            if names & {t.term for t in theirs[u_start:u_end]}
            for i in range(u_start - _FRAME - 1, u_end + _FRAME + 1)
        }
        for u_start, u_end in unit_runs:
            there = {t.term for t in theirs[u_start:u_end]}
            fit = _fit(mine, (start, end), theirs, (u_start, u_end))
            if any(n in _Terms(there) for n in names):  # 'Japan' is 'Japanese' here
                own = max(own, fit)
            elif there - _TITLES and not there & claimed and u_start not in beside:
                # A name the claim gives elsewhere is reordered, not substituted: the roles
                # checks judge that; 'the former President' may be the claim's 'Trump'.
                other = max(other, fit)
        if other >= _FRAME and other > own:
            return True
    return False


_PRONOUNS = frozenset("it he she they".split())


def _named(t: Token, context: Context) -> bool:
    # Not a date, and not "I've", "I'm": capitalised, but no name.
    return _is_name(t, context) and t.word not in _CALENDAR and not re.match(r"i['’]", t.word)


def _opposite_displaced(
    claim: Sequence[Token],
    unit: Sequence[Token],
    converse: set[str] | None = None,
    counted: frozenset[str] = frozenset(),
) -> bool:
    """The place a claim's word holds is held in the unit by its opposite: 'fast during the
    night' for 'fast during daylight hours', though the claim says 'daylight' elsewhere too.
    Not a word whose opposite the unit says with the names around it swapped (``converse``)."""
    mine = _content(claim, lambda t: False)
    theirs = _content(unit, lambda t: False)
    for i, slot in enumerate(mine):
        opposite = _opposites(_lexeme(slot.term)) - counted  # 'unfair' counted as 'not fair'
        if not opposite or _lexeme(slot.term) in (converse or set()):
            continue
        own = other = 0
        for j, there in enumerate(theirs):
            fit = _fit(mine, (i, i + 1), theirs, (j, j + 1))
            if there.term == slot.term:
                own = max(own, fit)
            elif _lexeme(there.term) in opposite:
                other = max(other, fit)
        if other >= _FRAME and other > own:
            return True
    return False


def _fit(
    mine: Sequence[_Slot], span: tuple[int, int], theirs: Sequence[_Slot], place: tuple[int, int]
) -> int:
    """How many of the content words around ``span`` of the claim (``_FRAME`` on each side)
    stand on the same side of ``place`` in the unit, a word's reach further."""
    left = {t.term for t in mine[max(0, span[0] - _FRAME) : span[0]]}
    right = {t.term for t in mine[span[1] : span[1] + _FRAME]}
    fit = len(left & _terms_near(theirs, place[0] - _FRAME - 1, place[0]))
    return fit + len(right & _terms_near(theirs, place[1], place[1] + _FRAME + 1))


def _content(words: Sequence[Token], is_name: Callable[[Token], bool]) -> list[_Slot]:
    """The content words, each marked whether it is a name and whether it follows the word
    before it directly (no stopword between: 'Devils at Penguins' is two names)."""
    return [
        _Slot(
            t.term,
            t.word,
            is_name(t),
            i > 0
            and (
                bool(words[i - 1].term)
                or (i > 1 and words[i - 1].word in _NAME_JOINERS and bool(words[i - 2].term))
            ),
        )
        for i, t in enumerate(words)
        if t.term
    ]


_NAME_JOINERS = frozenset("of for de da van von al".split())  # 'Bureau of Labor Statistics'


@dataclass(frozen=True)
class _Slot:
    term: str
    word: str
    name: bool
    joined: bool = False


def _runs(slots: Sequence[_Slot]) -> list[tuple[int, int]]:
    """(start, end) of each run of adjacent names."""
    found: list[tuple[int, int]] = []
    for i, slot in enumerate(slots):
        if not slot.name:
            continue
        if found and found[-1][1] == i and slot.joined:
            found[-1] = (found[-1][0], i + 1)
        else:
            found.append((i, i + 1))
    return found


def _terms_near(slots: Sequence[_Slot], start: int, end: int) -> _Terms:
    return _Terms(s.term for s in slots[max(0, start) : max(0, end)])


_PASSIVE_BY = re.compile(_PASSIVE_VERB + r"by\s+(?:the\s+|a\s+|an\s+|its\s+|their\s+)?([\w'’-]+)")


def _agent_moved(passive_text: str, active: Sequence[Token], active_text: str) -> bool:
    """'The crash was caused by the driver' where the other side says 'the vehicle ... caused
    the crash that killed ... the driver': the doer of a passive stands after the verb, as its
    object, in the active telling."""
    if _PASSIVE.search(active_text):
        return False
    for match in _PASSIVE_BY.finditer(fold(passive_text)):
        verb, agent = _term(match.group(1)), _term(match.group(2))
        acts = [i for i, t in enumerate(active) if t.term == verb]
        agents = [i for i, t in enumerate(active) if t.term == agent]
        before = any(0 < v - a <= _ROLE_REACH for a in agents for v in acts)
        after = any(0 < a - v <= _ROLE_REACH for a in agents for v in acts)
        if after and not before:
            return True
    return False


def _agent_swapped(claim_text: str, claim: Sequence[Token], unit_text: str) -> bool:
    """Both say it in the passive with a named doer, and the unit's doer of the act is a name
    the claim puts elsewhere: 'Sweden were beaten on penalties by England' where the unit says
    'they were beaten on penalties by Sweden'."""
    mine = dict(_named_agents(claim_text))
    named = {t.term for t in claim}
    return any(
        verb in mine and mine[verb] != agent and agent in named
        for verb, agent in _named_agents(unit_text)
    )


def _object_made_doer(claim: Sequence[Token], unit: Sequence[Token]) -> bool:
    """The unit's doer of an act done to a pronoun stands after the act in the claim: 'he
    grabbed a police officer' where the unit says 'a police officer grabbed him'."""
    for j, u in enumerate(unit[:-1]):
        after = unit[j + 1]
        if not u.term or after.word not in _OBJECT_PRONOUNS:
            continue
        if after.word == "her" and j + 2 < len(unit) and unit[j + 2].term:
            continue  # 'grabbed her arm': her arm is what was grabbed
        # the doer is read within the act's clause: 'earned him eight nominations, winning
        # him three' writes no doer of 'winning'
        start = max(0, j - _BESIDE)
        start = max([start, *(k for k in range(start, j + 1) if unit[k].pause)])
        doers = {t.term for t in unit[start:j] if t.term}
        for i, t in enumerate(claim):
            done_to = {c.term for c in claim[i + 1 : i + 1 + _BESIDE] if c.term}
            if t.term == u.term and doers & done_to:
                return True
    return False


_OBJECT_PRONOUNS = frozenset("him her them me us".split())


def _named_agents(text: str) -> list[tuple[str, str]]:
    """(act, doer) of each passive with a capitalised doer: 'were beaten ... by Sweden'."""
    return [
        (_term(fold(m[1])), _term(fold(m[2])))
        for m in _PASSIVE_NAMED_BY.finditer(text)
        if m[2][:1].isupper()
    ]


_PASSIVE_NAMED_BY = re.compile(_PASSIVE_VERB + r"(?:[a-z]+\s+){0,3}?by\s+(?:the\s+)?([\w'’-]+)")


def _reversed_triple(claim: Sequence[Token], unit: Sequence[Token]) -> bool:
    """'stocks sent inflation' where the unit says 'inflation has sent US stocks': two words
    tight around a third trade places (not 'the budget approved by the council')."""
    # Names have their own checks (_roles_swapped); words around a name are often reordered
    # freely ('in a memo to employees, Hayes said' / 'Hayes told employees in a memo').
    content = [
        (i, t.term if not t.name and t.number is None and t.root not in _SPEECH else "")
        for i, t in enumerate(claim)
        if t.term
    ]
    where: dict[str, list[int]] = {}
    for i, t in enumerate(unit):
        if t.term:
            where.setdefault(t.term, []).append(i)
    for (i, x), (j, v), (k, y) in zip(content, content[1:], content[2:], strict=False):
        if j - i > 2 or k - j > 2 or len({x, v, y}) < 3 or "" in {x, v, y}:
            continue
        if not (x in where and v in where and y in where):
            continue
        if _tight(where, unit, x, v, y):
            continue
        if _tight(where, unit, y, v, x):
            return True
    return False


def _tight(where: dict[str, list[int]], unit: Sequence[Token], a: str, v: str, b: str) -> bool:
    return any(
        0 < m - p <= 3 and 0 < q - m <= 3 and not any(t.word == "by" for t in unit[m:q])
        for p in where[a]
        for m in where[v]
        for q in where[b]
    )


_ROLE_REACH = 25  # tokens: about one clause of news prose


def _in_order(positions: dict[str, list[int]], first: str, middle: set[str], last: str) -> bool:
    return any(
        p < v < q and q - p <= _ROLE_REACH
        for p in positions[first]
        for q in positions[last]
        for word in middle
        for v in positions[word]
    )


def _attached(claim: Sequence[Token], unit: Sequence[Token], context: Context) -> bool:
    """A word bound to a name in the claim ('president of Russia', 'Russia's commitment') is
    bound to it in the unit too, not found elsewhere in it ('Ukrainian President Zelenskyy ...
    pressure Russia'). Bound: side by side, or with only 'of'/'the'/'a' between."""
    positions: dict[str, list[int]] = {}
    for i, t in enumerate(unit):
        if t.term:
            positions.setdefault(t.term, []).append(i)
    speakers = _speakers(claim)
    for i, token in enumerate(claim):
        if (
            not _is_name(token, context)
            or token.term in speakers
            or token.word in _CALENDAR
            or token.term not in positions
        ):
            continue
        for phrase in _bound(claim, i):
            words = [
                w
                for w in phrase
                if not _is_name(w, context) and w.term not in _SPEECH and w.term in positions
            ]
            # checked when its first word is a plain word the unit has ('Japan's Iwate
            # prefecture' binds a name to a name: not checked)
            if phrase[0] in words and not any(
                _content_distance(unit, a, b) <= _BOUND_REACH
                and not _other_name_between(unit, a, b)
                for near in words
                for a in positions[token.term]
                for b in positions[near.term]
            ):
                return False
    return True


_BOUND_REACH = 2  # a name and its word: at most one content word between them in the unit


def _content_distance(words: Sequence[Token], a: int, b: int) -> int:
    """How far apart two words stand, counting only the content words between them ('shortage
    on the Colorado River': 'on' and 'the' do not part 'shortage' from 'Colorado')."""
    low, high = sorted((a, b))
    return 1 + sum(1 for t in words[low + 1 : high] if t.term)


def _other_name_between(unit: Sequence[Token], a: int, b: int) -> bool:
    """'capital of France. Germany...': another name stands between a name and its word."""
    low, high = sorted((a, b))
    return any(t.name and t.term != unit[a].term for t in unit[low + 1 : high])


_BESIDE = 3


def _bound(words: Sequence[Token], i: int) -> list[list[Token]]:
    """The phrases a name owns in the claim, any word of which may stand by it in the unit:
    'president' in 'the president of Russia', 'first water shortage' in 'Idaho's first water
    shortage' (the unit may write 'the first water shortage in Idaho')."""
    found = []
    if words[i].possessive:
        phrase = list(itertools.takewhile(lambda t: t.term and not t.pause, words[i + 1 : i + 4]))
        if phrase:
            found.append(phrase)
    j = i - 1
    while j >= 0 and words[j].word in {"the", "a", "an"}:
        j -= 1
    if j >= 1 and words[j].word == "of" and words[j - 1].term:
        found.append([words[j - 1]])
    return found


def _speakers(words: Sequence[Token], *, before: bool = True) -> set[str]:
    """Names written against a speech verb ('Tedros said', 'says Jones', 'according to
    Hueter'): who speaks is not a role of the reported predicate, and news puts the speaker
    on either side of the quote. ``before=False``: only those written after it ('according to
    Hueter', 'said Jones'), who report and nothing else."""
    found: set[str] = set()

    def named(j: int) -> bool:
        return (
            0 <= j < len(words)
            and (words[j].name or words[j].initial)
            and words[j].word not in _CALENDAR  # 'In December, according to...': a date
        )

    for i, t in enumerate(words):
        if t.root not in _SPEECH:
            continue
        if before and t.pause:
            found |= _apposed(words, i)  # 'Nancy Kelley, chief executive of Stonewall, told'
        j = i - 1
        while before and named(j) and not (j < i - 1 and words[j + 1].pause):
            found.add(words[j].term)
            j -= 1
        if j < i - 1:
            continue  # 'Hayes said JetBlue's...': JetBlue is what was said, not who said it
        if t.root not in _SAID_BY:
            continue  # 'jurors found Holmes guilty', 'told Jones': the name after is the object
        j = i + 1 + (i + 1 < len(words) and words[i + 1].word == "to")
        j += j < len(words) and words[j].word == "the"  # 'according to the Bureau of...'
        while j < len(words) - 1 and words[j].word in _TITLE_WORDS and not words[j].name:
            j += 1  # 'according to spokesman Jun Ota'
        first = j
        # 'According to NHK, Yamagami served': the comma ends who speaks.
        while named(j) and not (j > first and words[j].pause):
            found.add(words[j].term)
            j += 1
            # '... said the Guardian's political correspondent Peter Walker': a title between
            title = j
            while title < min(j + 3, len(words)) and _plain(words[title]):
                title += 1
            if title > j and named(title):
                j = title
    return found


def _apposed(words: Sequence[Token], i: int) -> set[str]:
    """The name before an apposition that ends at the speech verb ``words[i]``: 'Tom Kloza,
    chief global analyst for the Oil Price Information Service, said'. Empty when no comma
    opens one within _TITLE_REACH words, or it holds a speech word of its own."""
    for k in range(i - 1, max(0, i - _TITLE_REACH) - 1, -1):
        if words[k].root in _SPEECH:
            return set()
        if words[k].pause:
            run = list(itertools.takewhile(lambda t: t.name, reversed(words[:k])))
            return {t.term for t in run}
    return set()


_TITLE_REACH = 12  # tokens: the longest title written between a name and its speech verb


def _reporter_made_doer(claim: Sequence[Token], unit: Sequence[Token], context: Context) -> bool:
    """'Matsuno was arrested' where the unit says 'police arrested a suspect, according to
    Hirokazu Matsuno': a name the unit gives only as the one who reports is, in a claim that
    reports nothing, made a party to what was reported. Not when the claim's words stand
    around the name there ('said Gigi Gronvall, a senior scholar at...'): the claim says who
    the reporter is."""
    if any(t.root in _SPEECH for t in claim):
        return False
    reporters = _speakers(unit, before=False)
    words = {t.term for t in claim if _plain(t)}
    for t in claim:
        if not (_is_name(t, context) and t.term in reporters):
            continue
        places = [i for i, u in enumerate(unit) if u.term == t.term]
        if len(places) != 1:
            continue
        at = start = places[0]
        while start > 0 and (unit[start - 1].name or unit[start - 1].word in _TITLE_WORDS):
            start -= 1  # 'according to Chief Cabinet Secretary Hirokazu Matsuno'
        said_of = (*unit[start:at], *unit[at + 1 : at + 1 + _APPOSITION])
        if not any(u.term in words for u in said_of):
            return True
    return False


_APPOSITION = 5  # tokens after a name that may say who it is


def _leading_names(words: Sequence[Token]) -> set[str]:
    """The name that opens the words before a speech word (since the one before): the subject
    a relative clause may part from its verb ('Pope Francis, who has condemned ... in Ukraine,
    said')."""
    found: set[str] = set()
    start = 0
    for i, t in enumerate(words):
        if t.root not in _SPEECH:
            continue
        content = [u for u in words[start:i] if u.term]
        for u in content:
            if not (u.name or u.initial) or u.word in _CALENDAR:
                break
            found.add(u.term)
        start = i + 1
    return found


def _plain(t: Token) -> bool:
    return bool(t.term) and not t.name and not t.initial and t.number is None
