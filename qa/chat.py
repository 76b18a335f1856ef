"""Follow-up questions: rewrite a question into a standalone one using the chat history.

With no history the question is used as it is (no extra work, no model call). With a history, a
``Condenser`` rewrites it: ``qa.llm.LLMCondenser`` when a chat model is configured, else
``carry_subject``, an offline rule that puts the subject of the previous question in place of
the pronoun of the follow-up, or beside a follow-up that leaves its subject out ("And when?"),
the latter only when the archive shows the question belongs to the conversation's story
(``StoryCondenser``, what an engine uses offline)::

    >>> history = [{"role": "user", "content": "Who is Alexander Lukashenko?"},
    ...            {"role": "assistant", "content": "The president of Belarus [1]."}]
    >>> standalone_question("Since when has he been president?", history)
    'Since when has Alexander Lukashenko been president?'
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from qa.models import History, Message
from qa.text import AUXILIARIES, STOPWORDS, content_terms, stem

if TYPE_CHECKING:
    from qa.settings import Settings


class Condenser(Protocol):
    """Rewrites a follow-up into a question that stands on its own, given the (non-empty)
    history."""

    def __call__(self, question: str, history: Sequence[Message]) -> str: ...


def messages(history: History | None) -> list[Message]:
    """Validated messages, oldest first."""
    return [m if isinstance(m, Message) else Message.model_validate(m) for m in history or []]


def standalone_question(
    question: str, history: History | None, condense: Condenser | None = None
) -> str:
    """The question to retrieve with: as typed without history, else rewritten by ``condense``
    (``carry_subject`` by default); typed without its question mark, it gets one. A rewrite
    with no question in it (a chat model's empty reply) falls back to the offline rule."""
    question = as_question(question)
    turns = [m for m in messages(history) if m.role != "system" and m.content.strip()]
    if not turns:
        return question
    rewritten = condense(question, turns).strip() if condense else ""
    return rewritten or carry_subject(question, turns).strip() or question


def as_question(text: str) -> str:
    """``text`` on one line, with the question mark a chat message often leaves out and its
    "what's" written out: the answerer reads "whats the price" as "What is the price?".

    >>> as_question("  who won the runoff ")
    'who won the runoff?'
    >>> as_question("What's the price of a ticket")
    'What is the price of a ticket?'
    >>> as_question("Tell me about the runoff.")
    'Tell me about the runoff.'
    """
    text = _CONTRACTED.sub(lambda m: f"{m.group(1)} is", " ".join(text.split()))
    asked = _LEAD_IN.sub("", text)
    if asked != text and _ASKS.match(asked):
        # "Can you tell me who the CEO is?": "Who is the CEO?"
        asked = _EMBEDDED.sub(lambda m: f"{m.group(1)} {m.group(3)} {m.group(2)}", asked)
        text = asked[:1].upper() + asked[1:]
    if text and text[-1] not in "?.!" and _ASKS.match(text):
        return text + "?"
    return text


# "Can you tell me", "Do you know", "I'd like to know": the question is what follows.
_LEAD_IN = re.compile(
    r"^(?:please\s+)?(?:(?:can|could|would|will)\s+you\s+(?:please\s+)?(?:tell|show)\s+me|"
    r"tell\s+me|do\s+you\s+know|i(?:\s+want|\s+would\s+like|['’]d\s+like)\s+to\s+know|"
    r"i\s+wonder)\s*,?\s+",
    re.I,
)
_EMBEDDED = re.compile(
    r"^(who|what|when|where|which\s+\w+)\s+(.+?)\s+(is|was|are|were)(?=[?.!]*$)", re.I
)
# "What's the price", "Who’s the CEO", "whats": the wh-word and "is" the answerer reads.
_CONTRACTED = re.compile(r"\b(what|who|where|when|how|which)(?:['’]s|(?<=what)s)\b", re.I)


_ASKS = re.compile(
    r"(?:and\s+|so\s+|but\s+)?(?:who|whom|whose|what|which|when|where|why|how|is|are|was|were|"
    r"do|does|did|can|could|will|would|should|has|have|had|since\s+when)\b",
    re.I,
)


class StoryShare(Protocol):
    """How well the story a conversation is about (found from ``story``, the conversation's
    text) matches ``question``'s words beside the best match anywhere in the archive: 1.0 when
    no article matches them better, None when there is nothing to compare
    (``qa.keyword_index.KeywordIndex.story_share``)."""

    def __call__(self, question: str, story: str) -> float | None: ...


@dataclass(frozen=True)
class StoryCondenser:
    """``carry_subject`` with the archive's evidence: a short nameless question gets the
    conversation's topic only when the conversation's story matches it (see ``carry_topic``)."""

    share: StoryShare

    def __call__(self, question: str, history: Sequence[Message]) -> str:
        return carry_subject(question, history, share=self.share)


def make_condenser(settings: Settings, share: StoryShare | None = None) -> Condenser:
    """The chat model's rewrite when one is configured (``Settings.uses_llm``), else the rule,
    checked against the archive with ``share`` when there is one."""
    if settings.uses_llm:
        from qa.llm import LLMCondenser  # langchain-openai is only imported when used

        return LLMCondenser(settings)
    return carry_subject if share is None else StoryCondenser(share)


# -- the offline rule -------------------------------------------------------------------------

_PRONOUN = re.compile(r"\b(he|she|him|his|her|hers|they|them|their|theirs|it|its)\b", re.I)
_POSSESSIVE = frozenset({"his", "its", "their", "theirs", "hers"})
# Words that open a question or a request: capitalised only because they come first.
_OPENERS = STOPWORDS | frozenset(
    """describe explain list summarize summarise give show compare name define why
    near inside outside across within against among around along through toward towards
    amid despite beyond behind following""".split()
)
_NAME_PART = r"[A-Z][\w’'.-]*"
_NAME_LINKS = frozenset({"of", "de", "von", "van", "al", "bin", "the", "v.", "vs."})
_NAME = re.compile(
    rf"{_NAME_PART}(?:\s+(?:(?:of|de|von|van|al|bin|the|v\.|vs\.)\s+)?{_NAME_PART})*"
)


def carry_subject(
    question: str, history: Sequence[Message], *, share: StoryShare | None = None
) -> str:
    """The offline rewrite: a follow-up's pronoun becomes the named entity it stands for
    (``replace_pronoun``); else an elided subject is filled in with the topic of the latest
    question that named one (``carry_topic``). A question that stands on its own is returned
    unchanged.

    >>> turns = [Message(role="user", content="Who is Alexander Lukashenko?")]
    >>> carry_subject("Since when has he been president?", turns)
    'Since when has Alexander Lukashenko been president?'
    >>> carry_subject("Since when?", turns)
    'Since when? (Alexander Lukashenko)'
    """
    resolved = replace_pronoun(question, history)
    return resolved if resolved != question else carry_topic(question, history, share=share)


def replace_pronoun(question: str, history: Sequence[Message]) -> str:
    """Put the named entity a follow-up's first third-person pronoun refers to in its place.

    A question that stands on its own is returned unchanged: one with no such pronoun, one that
    names anyone or anything ("Why did the CDC activate its operations centre?": "its" is the CDC's;
    "How long after her crash did Anne Heche die?"), and one whose pronoun is the one asked about
    ("Which retailer lowered its prices?", "Who announced his resignation?"). The entity comes from
    the history, newest first: the short answer an assistant turn leads with ("Colorado Avalanche
    [1]. ..."), else the names in a user question. Only a name that can be what the pronoun stands
    for is taken: never a common noun written with a capital ("Americans"), never a day or month,
    never a trophy or an event for "they" ("Stanley Cup"), never a person for "it".

    >>> turns = [Message(role="user", content="What did Xi say about sanctions?")]
    >>> replace_pronoun("What did he say about the war?", turns)
    'What did Xi say about the war?'
    >>> replace_pronoun("What is his peace plan?", turns)
    "What is Xi's peace plan?"
    """
    pronoun = _PRONOUN.search(question)
    if pronoun is None or names_in(question) or _bound(question, pronoun.group()):
        return question
    word = pronoun.group().lower()
    if _of_a_noun(question, pronoun, history):
        return question  # "owners ... their car payments": the owners', not Toyota's
    subject = next((e for e in antecedents(history) if _agrees(word, e)), None)
    if subject is None or subject.name.lower() in question.lower():
        return question
    after = question[pronoun.end() :]
    possessive = word in _POSSESSIVE or (word == "her" and _followed_by_noun(after))
    replacement = f"{subject.name}'s" if possessive else subject.name
    return question[: pronoun.start()] + replacement + after


_ASKS_WHICH = re.compile(
    r"\s*(?:\w+\s+)?which\s+(?!(?:is|are|was|were|do|does|did|has|have|had|will|would|can|could)\b)\w"
    r"|\s*who\b",
    re.I,
)


def _bound(question: str, pronoun: str) -> bool:
    """Whether the pronoun stands for the one a "which X" / "who" question asks about."""
    asks = _ASKS_WHICH.match(question)
    if asks is None:
        return False
    return asks.group().strip().lower() != "who" or pronoun.lower() in _POSSESSIVE | {"her"}


_PLURAL = frozenset({"they", "them", "their", "theirs"})
_NOT_PLURAL = frozenset("""news series species means always perhaps whereas""".split())


def _of_a_noun(question: str, pronoun: re.Match[str], history: Sequence[Message]) -> bool:
    """Whether a "they" / "their" stands for a plural common noun, of the question or of the
    conversation's topic, rather than for a name."""
    return pronoun.group().lower() in _PLURAL and (
        _plural_before(question, pronoun) or _plural_topic(history)
    )


def _plural_before(question: str, pronoun: re.Match[str]) -> bool:
    """Whether a "they" / "their" refers to a plural noun of the question itself: "How much
    were owners offered toward their car payments?", "Why did the firefighters say they left?".
    Not "How many games did they win?": a "they" right after its auxiliary is the subject the
    question asks about, and the noun before it ("games") is what is counted."""
    before = question[: pronoun.start()].split()
    if pronoun.group().lower() == "they" and before and before[-1].lower() in AUXILIARIES:
        return False
    return _plural_noun(" ".join(before))


def _plural_topic(history: Sequence[Message]) -> bool:
    """Whether the latest question that names anything speaks first of a plural noun ("How
    many owners of Toyota's BZ4X ..."): the "they" of a follow-up is those owners, not the
    name that comes after them. An answer's lead after it is still an antecedent."""
    for turn in reversed(history):
        if turn.role == "assistant" and _short_answer_lead(turn.content):
            return False
        if turn.role == "user" and (names := names_in(turn.content)):
            return _plural_noun(turn.content[: turn.content.find(names[0])])
    return False


def _plural_noun(text: str) -> bool:
    """Whether ``text`` holds a plural common noun ("owners", "firefighters", "Americans")."""
    for token in re.findall(r"[A-Za-z]+", text):
        lower = token.lower()
        if lower in STOPWORDS or lower in _NOT_PLURAL or len(lower) < 4:
            continue
        if token[0].isupper() and not _common(token):
            continue  # a name ("Celtics"), not a noun
        if lower.endswith("s") and not lower.endswith(("ss", "us", "is")):
            return True
    return False


@dataclass(frozen=True)
class Antecedent:
    """A name a pronoun may stand for, and what the turn it came from says about it."""

    name: str
    person: bool  # the answer to a "who" question, or titled ("President Xi")


def antecedents(history: Sequence[Message]) -> Iterator[Antecedent]:
    """The names a follow-up's pronoun may refer to, newest first."""
    for turn in reversed(history):
        if turn.role == "assistant":
            lead = _short_answer_lead(turn.content)
            asked = _previous_user(history, turn)
            if lead and asked is not None:
                yield Antecedent(lead, person=re.match(r"\s*who\b", asked, re.I) is not None)
            continue
        if turn.role != "user":
            continue
        asked_who = re.match(r"\s*who\s+(?:is|was|are|were)\b", turn.content, re.I) is not None
        for name in names_in(turn.content):
            yield Antecedent(name, person=asked_who or _titled(name))


def names_in(text: str) -> list[str]:
    """The proper names of ``text`` that can stand for a pronoun, in order (see
    ``subject_of`` for what a name is; capitalised common nouns, days and months are not).

    >>> names_in("How many Americans support Roe v. Wade?")
    ['Roe v. Wade']
    """
    found: list[str] = []
    rest = text
    while True:
        name = subject_of(rest)
        if name is None:
            return found
        if not _common(name):
            found.append(name)
        at = rest.find(name)
        rest = rest[at + len(name) :] if at >= 0 else ""


_PERSON_TITLES = frozenset(
    """president prime minister king queen prince princess pope mr mrs ms dr sen senator rep
    gov governor gen general secretary chancellor coach justice judge mayor""".split()
)
_ORG_OR_THING = frozenset(
    """cup bowl open series games olympics championship championships award awards prize
    trophy tournament day week act bill law war festival summit conference election
    inc corp co ltd llc party university college center centre department agency council
    court association club committee ministry bank group company fund institute
    organization organisation administration house senate congress parliament""".split()
)
# Trophies and events are not who "they" are.
_NOT_THEY = frozenset(
    """cup bowl open series games olympics championship championships award awards prize
    trophy tournament day week act bill law war festival summit conference election""".split()
)
_CALENDAR = frozenset(
    """january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday""".split()
)
_DEMONYM = re.compile(r"(?:ians|icans|eans|ese|ish|Democrats|Israelis|Iraqis|Britons)$")


def _common(name: str) -> bool:
    """A capitalised word that is not a name: a month or day, a people ("Americans")."""
    tokens = name.split()
    if all(t.lower().strip(".,") in _CALENDAR or t.isdigit() for t in tokens):
        return True
    return len(tokens) == 1 and _DEMONYM.search(name) is not None and not name.isupper()


def _titled(name: str) -> bool:
    return name.split()[0].lower().rstrip(".") in _PERSON_TITLES


def _agrees(pronoun: str, entity: Antecedent) -> bool:
    last = entity.name.split()[-1].lower()
    thing = last in _ORG_OR_THING or (entity.name.isupper() and len(entity.name) > 1)
    if pronoun in {"he", "him", "his", "she", "her", "hers"}:
        return not thing
    if pronoun in {"it", "its"}:
        return not entity.person
    return last not in _NOT_THEY  # they / them / their / theirs


def _short_answer_lead(answer: str) -> str | None:
    """The name an answer leads with before its first marker ("Adrian Autry [1]. ..."), when
    the lead is a short proper name and not a quoted sentence."""
    match = re.match(r"\s*([^\[\]]{1,60}?)\s*\[\d+\]", answer)
    if match is None:
        return None
    lead = match.group(1).strip().rstrip(".")
    tokens = lead.split()
    if not 0 < len(tokens) <= 5 or any(c in lead for c in '"“”'):
        return None
    if not all(t[0].isupper() or t.lower() in _NAME_LINKS for t in tokens):
        return None
    return None if _common(lead) or any(c.isdigit() for c in lead) else lead


def _previous_user(history: Sequence[Message], turn: Message) -> str | None:
    index = next(i for i, m in enumerate(history) if m is turn)
    return next((m.content for m in reversed(history[:index]) if m.role == "user"), None)


def subject_of(text: str) -> str | None:
    """The first proper name in ``text`` (a run of capitalised words, not counting the word that
    opens the sentence because it comes first).

    >>> subject_of("Who is Alexander Lukashenko?")
    'Alexander Lukashenko'
    >>> subject_of("what did the minister say?") is None
    True
    """
    for match in _NAME.finditer(text):
        parts = match.group().split()
        at_start = not text[: match.start()].strip() or text[: match.start()].rstrip()[-1] in ".?!"
        while parts and (
            parts[0].lower() in {"i", "the"} or (at_start and parts[0].lower() in _OPENERS)
        ):
            parts = parts[1:]
            at_start = False
        name = " ".join(parts).rstrip("’'")
        if name.count(".") == 1:  # "Xi." ends a sentence; "U.S." is the name
            name = name.rstrip(".")
        name = re.sub(r"['’]s$", "", name)
        # "US" is a name, "us" a pronoun.
        if name and (name.lower() not in _OPENERS or (name.isupper() and len(name) > 1)):
            return name
    return None


def _followed_by_noun(after: str) -> bool:
    """ "her plan" (possessive) versus "told her about" / "asked her?" (object)."""
    following = re.match(r"\s+([\w’'-]+)", after)
    return following is not None and following.group(1).lower() not in STOPWORDS


# -- elided subjects --------------------------------------------------------------------------

_ELLIPTIC_OPENER = re.compile(
    r"\s*(?:(?:and|but|so|also|then)\b[\s,]*)?"
    r"(?:(?:in|at|on|from|to|for|of|by|with|since|until|after|before)\s+)?"
    r"(?:who|whom|whose|what|when|where|which|why|how)\b"
    r"|\s*and\b",
    re.I,
)
# What "how many", "how long"... ask for: not words that give a question a topic of its own
# (stems, as the question's terms are compared in).
_ASKING = frozenset(
    stem(w)
    for w in """many much long often far old soon big large people time first last year month
    week day date hour""".split()
)
MAX_NEW_TERMS = 2
"""Words a follow-up with an elided subject may add to the conversation ("How many people were
quarantined?"); with more, a question is about something of its own ("What happened to gas
prices?")..."""
MAX_NEW_TERMS_REFERRING = 3
"""...unless it speaks of "the ..." as of something known ("Which racing champion joined the
ownership group?", "How many firefighters fought the fire?")."""
# "one" standing in for a noun said before ("the last captive one", "before this one") refers
# back like a pronoun does: such a question is a follow-up whatever words it shares.
_STANDS_IN = re.compile(
    r"\b(?i:this|that|the|which|another)\s+(?!number\b)(?:[a-z-]+\s+){0,2}?ones?\b(?!\s+of\b)"
)
MIN_STORY_SHARE = 0.4
"""With the archive at hand (``StoryShare``), a short nameless question is taken as a follow-up
only when the conversation's story matches its words at least this well beside the archive's
best match for them: "How many fans watched the final?" after a question about the Women's
Euro final (0.67) is; "What is the unemployment rate?" after one about Wimbledon (0.0) is not."""
STORY_ARTICLES = 1
"""The articles that stand for the conversation's story: those that match its text best."""


def carry_topic(
    question: str, history: Sequence[Message], *, share: StoryShare | None = None
) -> str:
    """Fill in the subject a short follow-up leaves out ("How many died?", "And when?") with the
    names of the latest question that named someone or something: ``"How many died?
    (Bangladesh)"``.

    Left unchanged: a question that names anything itself, one with a pronoun that stands for
    a name (that is ``replace_pronoun``'s to resolve; a "their" of a plural noun, as in "How
    much were owners offered toward their payments?", is no name's), one that is not a wh- or
    "and ..." question, one that brings more words the conversation has not used than
    ``MAX_NEW_TERMS`` (or ``MAX_NEW_TERMS_REFERRING`` when it says "the ..." as of something
    known), and any follow-up when no earlier question named anything (a common noun is never
    the topic).

    Words alone cannot tell "How many people were quarantined?" after a question about
    Ghana's Marburg cases from "What is the unemployment rate?" after one about Wimbledon: both
    are short and nameless. With ``share`` (the archive's evidence, see ``StoryShare``) the
    topic is added only when the conversation's story matches the question's words at least
    ``MIN_STORY_SHARE`` as well as the archive's best match for them, and holds its rarest
    word; a question that points back with "one" ("the last captive one") needs no evidence.

    >>> turns = [Message(role="user", content="Where did a fire at a Bangladesh depot kill 49?")]
    >>> carry_topic("How many were injured?", turns)
    'How many were injured? (Bangladesh)'
    >>> carry_topic("What happened to gas prices?", turns)
    'What happened to gas prices?'
    >>> carry_topic("How many were injured?", turns, share=lambda question, story: 0.1)
    'How many were injured?'
    """
    question = question.strip()
    pronoun = _PRONOUN.search(question)
    if pronoun is not None and not _of_a_noun(question, pronoun, history):
        return question
    if not _ELLIPTIC_OPENER.match(question) or names_in(question):
        return question
    said = set(content_terms(" ".join(m.content for m in history)))
    new = set(content_terms(question)) - said - _ASKING
    limit = MAX_NEW_TERMS_REFERRING if re.search(r"\bthe\b", question, re.I) else MAX_NEW_TERMS
    if len(new) > limit:
        return question
    at = _topic_turn(history)
    if at is None:
        return question
    if share is not None and not _STANDS_IN.search(question):
        story = " ".join(m.content for m in history[at:])
        found = share(question, story)
        if found is not None and found < MIN_STORY_SHARE:
            return question
    return f"{question} ({', '.join(names_in(history[at].content))})"


def topic_of(history: Sequence[Message]) -> str | None:
    """The names of the latest user turn that names anything ("Ghana, Marburg")."""
    at = _topic_turn(history)
    return None if at is None else ", ".join(names_in(history[at].content))


def _topic_turn(history: Sequence[Message]) -> int | None:
    """The index of the latest user turn that names anything."""
    return next(
        (
            i
            for i in range(len(history) - 1, -1, -1)
            if history[i].role == "user" and names_in(history[i].content)
        ),
        None,
    )


def was_rewritten(asked: str, understood: str | None) -> bool:
    r"""Whether the question answered is not the one typed (a follow-up made standalone), as a
    reader sees it: line breaks and runs of spaces typed in the box do not count.

    >>> was_rewritten("Who is Xi?\n", "Who is Xi?"), was_rewritten("And he?", "And Xi?")
    (False, True)
    """
    return bool(understood) and asked.split() != (understood or "").split()
