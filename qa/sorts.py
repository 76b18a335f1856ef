"""The sort of thing a question asks for and the sort a candidate answer is: rules, not a model.

``qa.factoids`` finds candidates by their form (a capitalised run, a number); this module asks
whether a candidate is of the *sort* the question's noun or wh-word names: a person for "which
quarterback", a place for "where", money for "how much did it cost", a duration for "how many
years in prison". ``asked_sort`` maps a question to one sort; ``agreement`` reads a candidate's
form and the words around it (a role before a name, "in" before a place, a currency sign, the
unit after a number) and says whether it fits (+1), cannot be told (0) or is surely of another
sort (-1). The answerer never answers with a candidate of another sort, prefers a fitting one,
and refuses when no candidate is left.

Why rules: the wrong answers the offline answerer gave to questions the articles cannot answer
were mostly of another sort than asked (a team for "which quarterback", a newspaper for
"where", a weight for "how much did it cost"), and each sort shows in a few words: a
currency sign, a unit, an org word, a title before a name. The word lists are short and
general (units, org words, roles), not drawn from any question.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from qa.text import STOPWORDS, fold

Sort = Literal[
    "person",
    "someone", "place", "organisation", "event", "work", "thing",
    "money", "count", "duration", "age", "length", "weight", "percent", "speed", "temperature",
    "area", "volume", "frequency",
]  # fmt: skip

FITS, UNKNOWN, CONFLICTS = 1, 0, -1

# Measures: the unit words that say which quantity a number is.
_MEASURES: dict[str, Sort] = {
    **dict.fromkeys(
        "year years month months week weeks day days hour hours minute minutes second seconds "
        "decade decades century centuries".split(),
        "duration",
    ),
    **dict.fromkeys(
        "foot feet ft inch inches meter meters metre metres m km kilometer kilometers "
        "kilometre kilometres mile miles yard yards cm centimeters centimetres mm".split(),
        "length",
    ),
    **dict.fromkeys(
        "pound pounds lb lbs kg kilogram kilograms kilo kilos gram grams g ton tons tonne "
        "tonnes ounce ounces oz".split(),
        "weight",
    ),
    **dict.fromkeys("percent % pct".split(), "percent"),
    **dict.fromkeys("mph knots kph".split(), "speed"),
    **dict.fromkeys("degrees degree °f °c f c".split(), "temperature"),
    **dict.fromkeys("acre acres hectare hectares".split(), "area"),
    **dict.fromkeys(
        "gallon gallons liter liters litre litres barrel barrels acre-feet".split(), "volume"
    ),
    **dict.fromkeys(
        "dollar dollars euro euros yen yuan rupees rupee pesos peso francs cents bitcoin "
        "bitcoins".split(),
        "money",
    ),
}
_QUANTITY_Q: tuple[tuple[str, Sort], ...] = (
    (r"\bhow\s+old\b|\b(?:what|which)\s+age\b|\bat\s+what\s+age\b", "age"),
    (r"\bhow\s+(?:tall|high|far|deep|wide)\b|\bwhat\s+(?:distance|height|length)\b", "length"),
    (r"\bhow\s+heavy\b|\bweigh(?:s|ed)?\b|\bwhat\s+weight\b", "weight"),
    (r"\bhow\s+fast\b|\bwhat\s+speed\b", "speed"),
    (r"\bhow\s+(?:hot|cold)\b|\btemperature\b", "temperature"),
    (
        r"\bpercent(?:age)?\b|\bwhat\s+(?:share|proportion)\b|"
        # "What annual inflation rate": a rate of change is a share ("8.3%"), unlike a birth rate
        # ("in how many years did the interest rate ...?" asks for years)
        r"\b(?:what|which)\s+(?:[\w’'.-]+\s+){0,3}?(?:inflation|interest|unemployment|"
        r"jobless|tax|mortgage|growth|vacancy|poverty|participation|savings|approval|positivity|"
        r"vaccination)\s+rates?\b",
        "percent",
    ),
    (r"\bhow\s+often\b", "frequency"),
    (
        r"\bhow\s+long\b|\bhow\s+many\s+(?:more\s+)?(?:years|months|weeks|days|hours|minutes|"
        r"decades)\b",
        "duration",
    ),
)
CHANGE_Q = re.compile(
    r"\b(?:increase|increased|rise|risen|rose|fall|fallen|fell|drop|dropped|grow|grown|grew|"
    r"climb|climbed|jump|jumped|decline|declined|change|changed|up|down)\b|"
    r"\bhow\s+much\s+(?:more|less)\b"  # "how much more did they pay": a sum or a share
)
# Words of a question about money ("how much did it cost", "what is the price").
MONEY_Q = re.compile(
    r"\b(?:price|prices|cost|costs|costing|pay|paid|worth|spend|spent|earn|earned|salary|"
    r"contract|offer|offered|fine|fined|raise|raised|sell|sold|buy|bought|money|budget|fee|"
    r"fees|charge|charged|prize|jackpot|dollars?|valued?|valuation|funding|revenue|bond|bail|"
    r"wage|wages|bonus|payout|reward|bounty|"
    r"apprais(?:ed|al)|auction(?:ed)?|ransom|damages|settlement|sue|sued|suing|"
    r"ask(?:ed|ing)?\s+for|demand(?:ed|ing)?)\b|"
    # "How much will LeBron James make?", "How much did 'Bullet Train' make?": earnings, when
    # "how much" is asked of no noun ("how much progress did they make" asks no sum).
    r"\bhow\s+much\s+(?:will|would|did|does|do|could|can|is|was|has|have|had)\b[^?]*\bma(?:ke|kes|de)\b"
)
PERSON_NOUNS = frozenset(
    """person man woman men women people son sons daughter daughters child children player
    players actor actress singer rapper musician official officials leader politician
    minister senator judge coach manager ceo executive founder president candidate driver
    athlete artist author writer star member members suspect victim doctor surgeon scientist
    researcher director owner chief spokesperson spokesman spokeswoman commissioner governor
    mayor husband wife brother sister father mother parent parents reporter lawyer attorney
    quarterback pitcher striker goalkeeper golfer boxer champion relative relatives tourist
    worker employee teacher student officer soldier pilot host comedian celebrity celeb
    celebs influencer chef pope king queen prince princess emperor rival opponent winner
    runner-up character hero heroine billionaire investor musician legend personality figure
    mp lawmaker congressman congresswoman prosecutor justice detective agent whistleblower
    designer engineer inventor astronaut activist entrepreneur cyclist swimmer skater
    footballer tennis-player guard columnist journalist correspondent editor analyst
    economist photographer anchor commentator critic historian professor expert
    meteorologist seismologist forecaster nurse firefighter paramedic trooper ranger diner
    passenger homeowner couple family pair duo twins ace slugger rookie outfielder infielder
    catcher reliever midfielder defender secretary sheriff deputy sergeant captain general
    admiral commander colonel lieutenant ambassador envoy diplomat chancellor premier
    councilman councilwoman chairman chairwoman speaker marshal warden coroner priest bishop
    pastor rabbi imam referee umpire jockey trainer farmer resident neighbor witness survivor
    cofounder co-founder heir widow grandmother grandfather uncle aunt cousin nephew niece
    girlfriend boyfriend spouse baby teen teenager boy girl inmate prisoner defendant
    plaintiff juror gunman shooter attacker hostage detainee fugitive hacker novelist poet
    composer dancer painter filmmaker producer screenwriter presenter broadcaster strategist
    pollster adviser advisor aide nominee successor predecessor""".split()
)
_PLACE_NOUNS = frozenset(
    """city cities town towns village country countries nation state states region county
    province area neighborhood neighbourhood district island continent port street location
    place site capital community suburb borough territory peninsula coast""".split()
)
# Places that are also institutions: "at which hospital", "which stadium": an org name fits.
_VENUE_NOUNS = frozenset(
    """venue stadium arena airport station hospital prison park lake river mountain museum
    gallery theater theatre zoo school college university church hotel restaurant building
    property estate court courthouse""".split()
)
_ORG_NOUNS = frozenset(
    """company companies firm business team teams club side squad university college school
    newspaper paper magazine outlet network broadcaster channel agency organization
    organisation group party court airline carrier automaker carmaker maker manufacturer
    retailer chain brand bank lender insurer union league conference government department
    ministry institution institute charity foundation publisher studio label band act
    startup giant service platform app website site store supermarket restaurant""".split()
)
_TEAM_NOUNS = frozenset("team teams club side squad franchise".split())
_EVENT_NOUNS = frozenset(
    """race event tournament match game competition championship contest election festival
    award awards prize ceremony conference summit war battle game""".split()
)
_WORK_NOUNS = frozenset(
    """song songs film films movie movies show shows book books album albums series play
    painting paintings novel program programme opera sitcom episode podcast poem record
    records track single musical""".split()
)
_NOUN_SORTS: tuple[tuple[frozenset[str], Sort], ...] = (
    (PERSON_NOUNS, "person"),
    (_PLACE_NOUNS, "place"),
    (_ORG_NOUNS, "organisation"),
    (_EVENT_NOUNS, "event"),
    (_WORK_NOUNS, "work"),
)
_DATE_NOUNS = frozenset("date day days month year years time hour".split())


def asked_sort(question: str, kind: str, noun: str | None, detail: str | None) -> Sort | None:
    """The sort of thing ``question`` asks for (None: any of its ``kind`` will do).

    >>> asked_sort("Who will start at quarterback?", "person", "quarterback", None)
    'person'
    >>> asked_sort("How much did the flight cost?", "number", None, "money")
    'money'
    >>> asked_sort("How many years in prison did he get?", "number", "years", None)
    'duration'
    """
    lowered = question.lower()
    if kind == "number":
        for pattern, sort in _QUANTITY_Q:
            if re.search(pattern, lowered):
                return sort
        # "how many acres", "how many square miles": a measure, written with its unit (not
        # "how many Family Dollar stores").
        counted = re.search(r"\bhow\s+many\s+(?:square\s+|cubic\s+)?([a-z]+)", lowered)
        if counted and counted.group(1) in _MEASURES:
            return _MEASURES[counted.group(1)]
        if re.search(r"\bhow\s+many\b|\bnumber\s+of\b", lowered):
            return "count"  # "how many tickets were sold": a count, not a price
        if CHANGE_Q.search(lowered):
            return None  # "how much have prices risen": by a sum or by a share
        return "money" if detail == "money" or MONEY_Q.search(lowered) else None
    if kind == "date" or kind == "quote":
        return None
    # "Which Inc. magazine tech *columnist* wrote": a person named by the phrase's head,
    # whatever its other nouns are.
    if kind in ("name", "person") and names_a_person(question):
        return "person"
    # The noun qa.factoids read, else the words right after "which" ("which airline agreed").
    after_wh = re.search(r"\b(?:which|what)\s+([a-z-]+)(?:\s+([a-z-]+))?", lowered)
    nouns = [noun, *(after_wh.groups() if after_wh else ())]
    for lexicon, sort in _NOUN_SORTS:
        if any(n in lexicon for n in nouns if n):
            return "place" if kind == "place" and sort != "person" else sort
    if kind == "place":
        return "place"
    if kind == "person":
        # "Who will start at quarterback?": a person; a bare "who" may be a company too.
        asked = {_singular(w) for w in re.findall(r"[a-z-]+", lowered)}
        if asked & (PERSON_NOUNS - {"people"}) or _THE_PEOPLE.search(lowered):
            return "person"
        return "someone"
    if (
        noun
        and noun not in _DATE_NOUNS
        and re.search(rf"\b(?:which|what)\s+(?:\w+\s+){{0,2}}{noun}\b", lowered)
    ):
        return "thing"
    return None


_WH_PHRASE = re.compile(r"\b(?:which|what)\s+((?:[a-z][\w.’'-]*\s+){0,4}[a-z][\w.’'-]*)")
_WH_PHRASE_END = frozenset(
    """did does do is was were will has had are have would could can should who whom that of in
    on at for from to by with after before during when where""".split()
)


# "Who were the two people swept out", "the names of the people who": people, not a company
# (a bare "people" elsewhere may be the object: "Who told people to leave?").
_THE_PEOPLE = re.compile(r"\b(?:who\s+(?:are|were)|names?\s+of)\s+the\s+(?:\w+\s+)?people\b")


def names_a_person(question: str) -> bool:
    """True when the noun phrase after "which"/"what" names a person by a role or a tie
    ("Which Inc. magazine tech *columnist*", "Which Bay County *couple*")."""
    words = _wh_phrase(question.lower())
    return any(_singular(w) in PERSON_NOUNS - {"people"} for w in words)


def _wh_phrase(lowered: str) -> list[str]:
    """The words of the noun phrase after "which"/"what", up to a verb of the question or a
    preposition; none when a possessive in it names another head ("which player's team")."""
    match = _WH_PHRASE.search(lowered)
    words: list[str] = []
    for word in match.group(1).split() if match else []:
        if word in _WH_PHRASE_END or _ends_phrase_as_verb(word, words):
            break
        if re.search(r"[’']s?$", word):
            return []
        words.append(word.strip("."))
    return words


# Past tenses that the "-ed" test of a longer word misses: "Which justice *wrote* the opinion",
# "Which three states *sued*" ("seed", "shed" and "need" are nouns).
IRREGULAR_PAST = frozenset(
    """said told quit led stood won lost made took gave got saw became began ran wrote held left
    sold bought paid met sent spent kept found brought fought hit beat struck shot set put cut
    drew threw flew grew knew rose fell broke spoke chose wore sang hurt came went sued used
    owed died tied lied eyed fled bled bred sped""".split()
)


def _ends_phrase_as_verb(word: str, before: Sequence[str]) -> bool:
    """A past tense after the phrase's first word is the question's verb: "which PBS program
    *earned* John Legend ...", not "which *retired* general" or "a highly *decorated* officer"."""
    if not before:
        return False
    return word in IRREGULAR_PAST or (word.endswith("ed") and not before[-1].endswith("ly"))


# What a count of people is a count of, when news prose has few words for it: the dead, the hurt.
_EVENTS = (
    re.compile(
        r"\b(?:kill(?:s|ed|ing)?|die[ds]?|dying|dead|deaths?|deadl(?:y|iest)|fatal(?:ities|ity|ly)?"
        r"|lives|perish(?:ed)?|toll|bodies|murder(?:ed|s)?)\b",
        re.I,
    ),
    re.compile(r"\b(?:injur(?:e|ed|ies|y|ing)|wound(?:ed|s)?|hurt|hospitali[sz]ed)\b", re.I),
)


_SENTENCE = re.compile(r"\b(?:sentenc(?:e|ed|es|ing)|prison|jail|behind\s+bars)\b", re.I)
# "How many Texas prison units had no AC?" counts units, not a term in prison.
_COUNTS_OTHER_THAN_TIME = re.compile(
    r"\bhow\s+many\s+(?!(?:more\s+)?(?:years|months|weeks|days|hours)\b)", re.I
)


def counted_event(question: str) -> re.Pattern[str] | None:
    """For "how many people were killed / injured" and "how long was he sentenced to": the
    words a sentence must use for what is counted (an evacuation's "hundreds of people" counts
    no dead, how long someone knelt is no prison term).

    >>> counted_event("How many people were killed by the fire?") is not None
    True
    >>> counted_event("How many people were evacuated?") is None
    True
    """
    if _SENTENCE.search(question) and not _COUNTS_OTHER_THAN_TIME.search(question):
        return _SENTENCE  # "how long was he sentenced to": a term, not "more than 9 minutes"
    asked = re.search(r"\bhow\s+many\b", question, re.I)
    if asked is None:
        return None
    # Only the main clause says what is counted: "How many goals did Howe score, as recalled
    # when he died?" counts goals, "How many were evacuated after the deadly fire?" the evacuated.
    main = _SUBORDINATE.split(question[asked.start() :], maxsplit=1)[0]
    return next((event for event in _EVENTS if event.search(main)), None)


_SUBORDINATE = re.compile(
    r",|\b(?:when|after|before|as|since|while|because|until|following|amid|during)\b", re.I
)


def agreement(sort: Sort | None, sentence: str, start: int, end: int, noun: str | None) -> int:
    """Whether the span ``sentence[start:end]`` is of ``sort``: ``FITS`` (+1) when its form or
    the words around it say so, ``CONFLICTS`` (-1) when they say it is of another sort,
    ``UNKNOWN`` (0) when they say neither. ``noun`` is the noun the question names the answer
    by ("which *town*").

    >>> agreement("person", "He played for the Houston Texans.", 18, 32, "quarterback")
    -1
    >>> s = "It weighed 65 pounds and cost $2 million."
    >>> agreement("money", s, 11, 20, None), agreement("money", s, 30, 40, None)
    (-1, 1)
    """
    if sort is None:
        return UNKNOWN
    if sort in _NUMBER_SORTS:
        return _number_agreement(sort, sentence, start, end)
    return _name_agreement(sort, sentence, start, end, noun)


_NUMBER_SORTS = frozenset(
    "money count duration age length weight percent speed temperature area volume frequency".split()
)
_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|March|April|May|June|July|Aug(?:ust)?|Sept?(?:ember)?|"
    r"Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_MONTHS = re.compile(rf"\b{_MONTH}\.?\s*$")  # "July 7": the month before the day
_MONTH_AFTER = re.compile(rf"\s+{_MONTH}\b")  # "15 January": the month after it


def number_sort(sentence: str, start: int, end: int) -> str | None:
    """What a number in a sentence measures: a sort of ``Sort``, "date" or "year" (a day of a
    month, a bare year), "noun" (a count of something: "649 people"), or None (a bare number).

    >>> s = "Police named the 41-year-old, who faces up to 20 years."
    >>> number_sort(s, 17, 28), number_sort(s, 46, 54)
    ('age', 'duration')
    """
    # "around 2005", "up to 20 years": the number without the words that hedge it.
    text = _HEDGE.sub("", sentence[start:end])
    lowered = fold(text)
    before = sentence[max(0, start - 12) : start]
    after = fold(sentence[end : end + 24])
    if re.search(r"[$£€¥]|\b(?:dollars?|euros?)\b", lowered):
        return "money"
    if re.search(r"-years?-old\b", lowered) or re.match(r"\s*years?\s+old\b", after):
        return "age"
    if re.search(r"\b(?:aged|age|ages)\s*$", fold(before)):
        return "age"
    if re.fullmatch(r"\d{1,3}", text) and _NAME_COMMA.search(before) and after.startswith(","):
        return "age"  # "Scott Overland, 37, was dining": the age set beside a name
    if re.match(r"\s*ago\b", after):
        return "date"  # "indicted four years ago": when, not how long
    if re.match(r"\s*(?:a\.m\.|p\.m\.|am\b|pm\b|o['’]clock\b)", after, re.I):
        return "date"  # "remarks at 2 p.m.": a time of day, no age or count
    if re.match(r"\s*(?:[a-z]+\s+)?mark\b", after):
        return "date"  # "as the clock ticked over the two hour mark": a moment, not how long
    if re.match(r"\s*(?:older|younger)\b", after):
        return "gap"  # "nearly 20 years older than Holmes": a difference of ages, no term
    if _MONTHS.search(before) and re.fullmatch(r"\d{1,2}(?:st|nd|rd|th)?", text):
        return "date"
    if _MONTH_AFTER.match(sentence[end : end + 12]) and re.fullmatch(r"\d{1,2}", text):
        return "date"  # "the 15 January 2022 event": a day, written before its month
    if re.fullmatch(r"(?:1[89]|20)\d\d", text):
        return "year"
    if "%" in text or re.search(r"\bper\s*cent\b", lowered) or is_share(text):
        return "percent"
    # The unit: the span's own last word ("20 years", "70,000 pounds", "20-year") or the
    # word after it ("17.5 feet" when the span stopped at the number).
    tail = re.split(r"[\s-]+", lowered.strip())[-1]
    first_after = re.match(r"\s*([a-z°%][\w°-]*)(?:\s+([a-z][\w-]*))?", after)
    # ... or one word later, past an adjective: "five-and-a-half enthralling hours".
    later = first_after.group(2) if first_after and first_after.group(1) not in STOPWORDS else None
    for word in (tail, first_after.group(1) if first_after else "", later or ""):
        if word in _MEASURES:
            return _MEASURES[word]
    if re.search(r"[a-z]", tail) and tail not in _SCALES and tail not in _NUMBER_WORDS:
        return "noun"
    return None


def is_share(number: str) -> bool:
    """Whether a number is written as a share of a whole: "two-thirds", "2 out of every 3",
    "one in five", "half".

    >>> is_share("almost two out of every three"), is_share("one in five"), is_share("two")
    (True, True, False)
    """
    return _SHARE.search(number) is not None


_SHARE = re.compile(
    r"-(?:thirds?|quarters?|fifths?|tenths?)$|\s(?:out\s+of|in)\s+(?:every\s+)?\S+$|(?:^|\s)half$",
    re.I,
)
_NAME_COMMA = re.compile(r"[A-Z][\w’'.-]*,\s*$")
_HEDGE = re.compile(
    r"^(?:about|around|roughly|nearly|almost|approximately|some|over|under|at\s+least|up\s+to|"
    r"more\s+than|less\s+than|fewer\s+than|an\s+estimated)\s+",
    re.I,
)
_SCALES = frozenset("million billion trillion thousand hundred m bn k".split())
_NUMBER_WORDS = frozenset(
    """one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen
    sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety
    hundred thousand dozen dozens hundreds thousands half about around roughly nearly almost
    approximately some over under least up to more than less fewer an estimated at""".split()
)


def _number_agreement(sort: Sort, sentence: str, start: int, end: int) -> int:
    found = number_sort(sentence, start, end)
    if sort == "frequency":
        # "How often did she vote with Trump?": "93% of the time", "three times a week", not
        # "one of 10 Republicans".
        around = fold(sentence[start : end + 16])
        return FITS if found == "percent" or _HOW_OFTEN.search(around) else CONFLICTS
    if found is None:
        # A measure is written with its unit ("$29 million", "209 feet", "six months"): a bare
        # number does not answer "how much did it cost" or "how tall"; it may answer "how
        # many", and an age ("She was 73.").
        return UNKNOWN if sort in ("count", "age") else CONFLICTS
    if found == sort:
        return FITS
    if sort == "count":
        # "how many people": a count of something; a weight, a sum, an age or a date is not.
        return UNKNOWN if found == "noun" else CONFLICTS
    if sort == "duration" and found == "length":
        return UNKNOWN  # "how long" asks for either
    if sort == "duration" and found == "noun" and re.search(r"\d-[a-z]+$", sentence[start:end]):
        # "a 37-match winning streak", "a 10-game ban": the number joined to its noun measures
        # how long the thing it qualifies lasted, counted in matches or games.
        return UNKNOWN
    return CONFLICTS


_DEMONYM = re.compile(r"\w(?:ian|ean|ese|ish)$")
_HOW_OFTEN = re.compile(r"\btimes?\b|\bevery\b|\b(?:a|per)\s+(?:day|week|month|year)\b")
_NAMED_STORMS = frozenset("hurricane typhoon cyclone storm tropical".split())
_HONORIFICS = frozenset("mr mrs ms miss dr prof sir dame lord lady rev".split())
_SPEAKS = (
    r"said|says|told|tells|added|adds|explained|wrote|writes|tweeted|testified|recalled|"
    r"noted|argued|insisted|confirmed|announced"
)
_VENUE_WORDS = frozenset(
    """museum gallery hospital center centre stadium arena hall theater theatre church school
    college university academy zoo park library prison airport station hotel club garden
    gardens cathedral palace castle""".split()
)
_MEDIA_WORDS = frozenset(
    """times post journal tribune herald gazette telegraph chronicle network tv radio press
    magazine news inc corp co llc ltd plc airlines airways motors holdings technologies
    laboratories labs pharmaceuticals entertainment studios records""".split()
)
_EVENT_WORDS = frozenset(
    """open cup championship championships slam olympics games series final finals tour prix
    marathon festival awards bowl derby classic race ride rally trophy tournament
    invitational fire wildfire blaze storm hurricane typhoon cyclone flood
    earthquake""".split()
)


def _name_agreement(sort: Sort, sentence: str, start: int, end: int, noun: str | None) -> int:
    text = sentence[start:end]
    tokens = [fold(w).strip(".,’'") for w in text.split()]
    if tokens and all(t in TITLE_WORDS | _ROLE_WORDS for t in tokens):
        return CONFLICTS  # "the team's General Manager": a post, not the name of anything
    before = sentence[max(0, start - 40) : start]
    after = sentence[end : end + 40]
    last_before = re.findall(r"[\w’'.-]+", before)[-1:]
    word_before = fold(last_before[0]).strip(".,") if last_before else ""
    title = _is_title(sentence, start, end)
    # "Paolo Cappelli, the president of the Presidio Permanente Vesuvio, told ...": a name
    # after a preposition ends an apposition; the one who speaks is named before it.
    governed = _GOVERNED.search(before) is not None
    speaks = re.match(rf"\s*,?\s*(?:{_SPEAKS})\b", after) is not None
    # "the Moose Fire", "Hurricane Ian": an event; but "Cal Fire said": one that speaks is the
    # body named after what it fights.
    event_named = any(t in _EVENT_WORDS for t in tokens[1:] or tokens) or (
        len(tokens) > 1 and tokens[0] in _NAMED_STORMS
    )
    works_for = _employs_next_name(after)
    org = _looks_org(text, tokens, before) or (event_named and speaks) or works_for
    venue = any(t in _VENUE_WORDS for t in tokens)
    place = _looks_place(text, tokens, before, after, org) and not titled_name(
        sentence, start, text
    )
    event = not org and event_named
    person = (
        not org
        and not place
        and not title
        and (
            word_before in _ROLE_WORDS
            or (tokens and tokens[0] in _HONORIFICS)
            or (speaks and not governed)
            or re.search(rf"\b(?:{_SPEAKS})\s*$", before) is not None
            or re.match(r"\s*,\s*\d{1,3}\s*,", after) is not None
            or _appositive_role(after) is not None
            or _KIN_OF.search(before) is not None
        )
    )
    source = (
        re.search(
            r"\b(?:told|according\s+to|interview\s+with|reported\s+by|wrote\s+in|"
            r"(?:confirmed|said|spoke|talked|wrote)\s+to)"
            r"\s+(?:the\s+)?$",
            before,
        )
        is not None
    )
    if sort == "person" and re.search(r"\s(?:the|and\s+the)\s", text):
        return CONFLICTS  # "the Dolphins and the NFL": no one's name holds a lowercase "the"
    if sort in ("person", "someone"):
        role = word_before if word_before in _ROLE_WORDS else _appositive_role(after)
        if person and not _other_role(noun, role):
            return FITS
        if person:
            return CONFLICTS  # "speaker Mahinda Yapa" for "which high commissioner"
        if place or title or event or works_for or venue or (org and sort == "person"):
            return CONFLICTS  # ... nor is "Caesars Palace" anyone
        # A person is named in full, or shown to be one by a role, a speech verb, an age: a
        # lone word with no such sign ("a disease similar to Ebola") answers no "which person".
        return CONFLICTS if sort == "person" and len(tokens) == 1 else UNKNOWN
    if sort == "place":
        if person or title or source or (org and not venue):
            return CONFLICTS
        if len(tokens) == 1 and text not in PLACES and _DEMONYM.search(text):
            return CONFLICTS  # "Victorian Premier Daniel Andrews": a people's word, no place
        if noun in _FINE_PLACE_NOUNS and text in COUNTRIES:
            return CONFLICTS  # "which city": not the country it is in
        if noun in _TOWN_NOUNS and tokens and tokens[-1] in _WIDER_AREAS:
            return CONFLICTS  # "which town": not "the 14th Congressional District"
        if noun in _VENUE_NOUNS and text in COUNTRIES | STATES:
            return CONFLICTS  # "which airport": not the state it is in
        placed = re.search(r"\b(?:in|near|outside)\s+(?:the\s+)?$", before) is not None
        return FITS if place or placed or (venue and noun in _VENUE_NOUNS) else UNKNOWN
    if sort == "organisation":
        if noun in _MEDIA_NOUNS and (source or _PUBLISHED_IN.search(before)):
            return FITS  # "the cover of Vogue", "told the Arizona Republic": an outlet
        if source and noun is not None and noun not in _MEDIA_NOUNS:
            return CONFLICTS  # "..., a spokesperson said, told USA TODAY": who reports it
        if org:
            return FITS
        team = noun in _TEAM_NOUNS
        return CONFLICTS if person or title or event or (place and not team) else UNKNOWN
    if sort == "event":
        if event:
            return FITS
        return CONFLICTS if person or (text in PLACES) else UNKNOWN
    if sort == "work":
        if title:
            return FITS
        # "the Judds' legendary catalog": who owns the work is not the work.
        owner = re.match(r"[’']s?\s", after) is not None
        return CONFLICTS if person or owner or venue or text in PLACES else UNKNOWN
    return CONFLICTS if person or text in PLACES else UNKNOWN  # "thing": "which currency"


_HEAD_OF = re.compile(
    r"\b(?:president|ceo|chairman|chairwoman|chair|head|director|founder|co-founder|owner|"
    r"spokesman|spokeswoman|spokesperson|members?|chief|executive|manager|secretary-general)"
    r"\s+(?:of|for|at)\s+(?:the\s+)?$",
    re.I,
)
_MEDIA_NOUNS = frozenset(
    "magazine newspaper paper outlet network broadcaster channel publication tabloid".split()
)
_PUBLISHED_IN = re.compile(
    r"\b(?:cover\s+of|article\s+in|essay\s+in|interview\s+in|published\s+in|"
    r"wrote\s+in|told)\s+(?:the\s+)?$",
    re.I,
)
_GOVERNED = re.compile(r"\b(?:of|at|for|from|with|by|in|on|to)\s+(?:the\s+)?$", re.I)


_TEAM_ENDINGS = frozenset("sox fc heat magic jazz thunder lightning wild galaxy united".split())


def _employs_next_name(after: str) -> bool:
    """ "Boston Red Sox ace Chris Sale", "JetBlue chief executive Robin Hayes": a name set
    before a role and the name of who holds it is where that person works, not a person. Only
    role words stand between ("Tan beat champion Serena Williams" keeps its person); a single
    word may also be shaped like a role ("Red Sox left-hander Chris Sale")."""
    between = re.match(r"((?:\s+[a-z-]+)+)\s+[A-Z]", after)
    if between is None:
        return False
    words = between.group(1).split()
    if len(words) == 1:
        return _role_like(words[0])
    if all(w in _ROLE_WORDS - {"people"} for w in words):
        return True
    # "Buffalo Bills offensive coordinator Brian Daboll": adjectives before the role.
    return (
        len(words) <= 3
        and words[-1] != "people"
        and _role_like(words[-1])
        and all(_MODIFIER.search(w) for w in words[:-1])
    )


# Adjectives of a post ("offensive coordinator", "special counsel", "assistant coach").
_MODIFIER = re.compile(
    r"^(?:head|chief|top|lead|senior|junior|deputy|acting|interim|[a-z-]+(?:ive|al|ant|ent|ic|ary|ior))$"
)


def _role_like(word: str) -> bool:
    """A role word, or a word shaped like one ("left-hander", "outfielder", "guitarist")."""
    if word in _ROLE_WORDS:
        return True
    shaped = re.search(r"(?:er|or|ist|ian)$", word) is not None
    return shaped and word not in STOPWORDS and word not in _ER_ADVERBS


_ER_ADVERBS = frozenset(
    "never ever either neither rather later earlier further together whether however".split()
)


def _appositive_role(after: str) -> str | None:
    """ ", Tony's son, ...", ", the president of ...": a role named right after a name."""
    match = re.match(
        r"\s*,\s*((?:[\w’'.-]+\s+){0,3}?[\w’'-]+)\s*(?:,|of\b|who\b|at\b|for\b)", after
    )
    if match is None:
        return None
    first = fold(match.group(1).split()[0])
    if first in STOPWORDS and first not in _DETERMINERS:
        return None  # ", after two people who ...": a clause, not an apposition
    role = fold(match.group(1).split()[-1])
    return role if role in _ROLE_WORDS else None


_DETERMINERS = frozenset("a an the his her their its our my your".split())


def _other_role(asked: str | None, role: str | None) -> bool:
    """True when a name's role (the title before it, the role in apposition after it) is not
    the one the question names its answer by: a "manager" for "the son", a "president" for
    "the two relatives", a "speaker" for "the high commissioner". A general noun asked
    ("person", "official", "player") or none fits any role."""
    if asked is None or role is None:
        return False
    asked, role = _singular(asked), _singular(role)
    if asked == role or asked in _ANY_ROLE or asked not in _ROLE_WORDS | _KIN:
        return False
    if asked in _KIN_ANY and role in _KIN:
        return False  # a son is one of the relatives
    return not any(asked in group and role in group for group in _ROLE_GROUPS)


def _singular(word: str) -> str:
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    return word[:-1] if word.endswith("s") and word[:-1] in _ROLE_WORDS | _KIN else word


_IRREGULAR = {"men": "man", "women": "woman", "children": "child", "relatives": "relative"}
_KIN = frozenset(
    """son daughter wife husband brother sister father mother parent child relative cousin
    nephew niece uncle aunt grandson granddaughter grandmother grandfather widow widower
    fiance fiancee fiancé fiancée partner girlfriend boyfriend stepson stepdaughter""".split()
)
_KIN_ANY = frozenset("relative parent family".split())
# "the older son of Ward", "the main character of Theodore": a person (or one played).
_KIN_OF = re.compile(rf"\b(?:{'|'.join(sorted(_KIN | {'character', 'role'}))})s?\s+of\s+$", re.I)
# Nouns so general that any role fits them ("Who is the *official* ...", "which *player*").
_ANY_ROLE = frozenset(
    """person man woman people individual official leader member star figure personality
    celebrity celeb player athlete worker employee character hero heroine legend winner
    runner-up rival opponent victim suspect candidate resident""".split()
)
# Roles that name the same kind of post, one of which a question may ask by another.
_ROLE_GROUPS = tuple(
    frozenset(group.split())
    for group in (
        "lawyer attorney counsel",
        "spokesman spokeswoman spokesperson",
        "ceo cfo coo chief executive boss head chairman chairwoman chair founder cofounder "
        "co-founder president owner "
        "director manager",
        "coach manager boss head",
        "mp lawmaker senator sen congressman congresswoman rep representative politician",
        "minister secretary premier chancellor president leader",
        "judge justice",
        "actor actress star comedian host singer rapper musician artist",
        "reporter correspondent journalist editor writer author columnist",
        "officer sheriff detective agent superintendent police chief",
        "doctor surgeon physician dr",
        "scientist researcher professor prof economist analyst expert",
        "quarterback pitcher striker goalkeeper guard captain footballer golfer boxer cyclist "
        "swimmer skater champion",
    )
)


def titled_name(sentence: str, start: int, text: str) -> bool:
    """True for a name of two or three words right after a role ("zoo director Sam Park",
    "coach Nick Hill"): a place word that ends it is a surname, not a park or a hill."""
    tokens = [fold(w).strip(".,’'") for w in text.split()]
    before = re.findall(r"[\w’'.-]+", sentence[max(0, start - 40) : start])[-1:]
    return (
        len(tokens) in (2, 3)
        and bool(before)
        and fold(before[0]).strip(".,") in _ROLE_WORDS
        and not any(t in PLACE_WORDS for t in tokens[:-1])
        and text not in PLACES
    )


def _looks_place(text: str, tokens: list[str], before: str, after: str, org: bool) -> bool:
    if text in PLACES or (
        not org and any(t in PLACE_WORDS for t in tokens) and not team_of_a_place(text)
    ):
        return True
    if re.search(r"\b(?:town|city|village|community|county|province|region)\s+of\s*$", before):
        return True  # "the town of Ottaviano"
    return followed_by_region(after)


def team_of_a_place(text: str) -> bool:
    """True for a name of three or more words that goes on past its place word to a capitalised
    word that is none ("Tampa Bay Lightning", "Green Bay Packers", "Kansas City Chiefs"): a
    team or a body from the place, not the place."""
    words = text.split()
    return (
        len(words) >= 3
        and text not in PLACES
        and fold(words[-1]).strip(".,’'") not in PLACE_WORDS
        and words[-1][:1].isupper()
        and any(fold(w).strip(".,’'") in PLACE_WORDS for w in words[:-1])
    )


def followed_by_region(after: str) -> bool:
    """ "Springville, Utah", "New Castle, Indiana": ``after`` (the text after a name) starts with
    a state or country, the way news names a town."""
    beside = re.match(r",\s+([A-Z][\w.]*(?:\s[A-Z][\w.]*)?)", after)
    return beside is not None and beside.group(1).rstrip(".") in PLACES


def _is_title(sentence: str, start: int, end: int) -> bool:
    """A name in quotation marks: a show's, a song's or a book's ("Leave It To Beaver")."""
    # The closing mark may follow the sentence's comma or full stop: "Sweet Caroline," before.
    closing = sentence[end : end + 2].lstrip(",.")[:1]
    return sentence[max(0, start - 1) : start] in {'"', "“"} and closing in {'"', "”"}


def _looks_org(text: str, tokens: list[str], before: str) -> bool:
    if text in PLACES:
        return False
    if any(t in ORG_WORDS or t in _MEDIA_WORDS for t in tokens):
        return True
    if re.fullmatch(r"[A-Z]{2,6}", text) and text not in COMMON_ABBREVIATIONS:
        return True  # "CNN", "NFL": an acronym that is not a country's
    if _HEAD_OF.search(before):
        return True  # "the president of the Presidio Permanente Vesuvio": what someone heads
    if len(text.split()) > 1 and text.isupper():
        return True  # "USA TODAY", "NBC NEWS": an outlet's masthead, not a person's name
    words = text.split()
    if len(words) > 1 and tokens[-1] in _TEAM_ENDINGS:
        return True  # "Boston Red Sox", "Miami Heat": a team whose name is no plural
    # "Houston Texans", "Indiana Pacers", "the Pacers": a place and a plural, a team's name.
    plural = words[-1].endswith("s") and not words[-1].endswith(("'s", "’s", "ss"))
    if plural and len(words) >= 2 and " ".join(words[:-1]) in PLACES | CITIES:
        return True
    if plural and len(words) >= 2 and words[0] in PLACES | CITIES:
        return True
    return plural and len(words) == 1 and re.search(r"\bthe\s+$", before) is not None


# Capitals that abbreviate a common noun ("national ID numbers", "on TV"), not a name.
COMMON_ABBREVIATIONS = frozenset(
    "ID IDs TV PC AI DNA GDP CEO CFO COO VIP ATM RV SUV OK PR HR ICU ER IQ GPS PIN PDF".split()
)

# Titles and roles written before a name ("JetBlue CEO Robin Hayes").
TITLE_WORDS = frozenset(
    """mr mrs ms dr prof sen rep gov gen lt col sgt capt president minister secretary chancellor
    judge justice mayor governor senator coach chief ceo cfo coo chairman chairwoman chair
    commissioner director spokesman spokeswoman spokesperson attorney general officer
    superintendent sheriff ambassador speaker leader founder manager captain correspondent
    reporter editor analyst economist professor acting interim deputy vice premier
    representative congressman congresswoman""".split()
)
# Words that qualify a title rather than make one ("acting", "General Motors").
_QUALIFIERS = frozenset("acting interim deputy vice general".split())
_ROLE_WORDS = PERSON_NOUNS | (TITLE_WORDS - _QUALIFIERS)
_TOWN_NOUNS = frozenset("city cities town towns village villages suburb borough".split())
_WIDER_AREAS = frozenset("district county state region province territory".split())
_FINE_PLACE_NOUNS = frozenset(
    """city cities town towns village neighborhood neighbourhood district suburb borough
    county community""".split()
)

# Gazetteer: countries, continents and US states (the names most often mistaken for people
# or organisations in news prose), and the largest cities, which also name sports teams.
COUNTRIES = frozenset(
    """Afghanistan Albania Algeria Argentina Armenia Australia Austria Azerbaijan Bahrain
    Bangladesh Belarus Belgium Bolivia Bosnia Brazil Britain Bulgaria Cambodia Cameroon Canada
    Chile China Colombia Congo Croatia Cuba Cyprus Czechia Denmark Ecuador Egypt England
    Eritrea Estonia Ethiopia Finland France Germany Ghana Greece Guatemala Haiti
    Honduras Hungary Iceland India Indonesia Iran Iraq Ireland Israel Italy Jamaica Japan
    Jordan Kazakhstan Kenya Korea Kosovo Kuwait Laos Latvia Lebanon Libya Lithuania Mali
    Mexico Moldova Mongolia Morocco Mozambique Myanmar Nepal Netherlands Nicaragua Niger
    Nigeria Norway Oman Pakistan Palestine Panama Paraguay Peru Philippines Poland Portugal
    Qatar Romania Russia Rwanda Scotland Senegal Serbia Singapore Slovakia Slovenia Somalia
    Spain Sudan Sweden Switzerland Syria Taiwan Tanzania Thailand Tunisia Turkey Uganda
    Ukraine Uruguay Uzbekistan Venezuela Vietnam Wales Yemen Zambia Zimbabwe Europe Asia
    Africa America Antarctica""".split()
) | frozenset(
    ["United States", "United Kingdom", "South Korea", "North Korea", "Saudi Arabia",
     "South Africa", "New Zealand", "Sri Lanka", "U.S.", "US", "USA", "UK", "U.K.",
     "Great Britain"]
)  # fmt: skip
STATES = frozenset(
    """Alabama Alaska Arizona Arkansas California Colorado Connecticut Delaware Florida Georgia
    Hawaii Idaho Illinois Indiana Iowa Kansas Kentucky Louisiana Maine Maryland Massachusetts
    Michigan Minnesota Mississippi Missouri Montana Nebraska Nevada Ohio Oklahoma Oregon
    Pennsylvania Tennessee Texas Utah Vermont Virginia Washington Wisconsin Wyoming""".split()
) | frozenset(
    ["New York", "New Jersey", "New Mexico", "New Hampshire", "North Carolina",
     "South Carolina", "North Dakota", "South Dakota", "Rhode Island", "West Virginia"]
)  # fmt: skip
# The largest US cities and the capitals of the G20.
CITIES = frozenset(
    """Chicago Houston Phoenix Philadelphia Dallas Austin Jacksonville Columbus Charlotte
    Indianapolis Seattle Denver Boston London Paris Moscow Beijing Tokyo Ottawa Canberra Berlin
    Rome Madrid Delhi Jakarta Riyadh Ankara Pretoria Seoul Brasilia Kyiv Kabul Miami Atlanta
    Detroit Nashville Baltimore Minneapolis Orlando Sacramento Pittsburgh Cleveland""".split()
) | frozenset(
    ["Los Angeles", "San Antonio", "San Diego", "San Jose", "San Francisco", "Fort Worth",
     "New York City", "Mexico City", "Buenos Aires", "New Delhi", "Hong Kong", "Las Vegas",
     "New Orleans", "St. Louis", "Kansas City", "Salt Lake City"]
)  # fmt: skip
PLACES = COUNTRIES | STATES | CITIES
PLACE_WORDS = frozenset(
    """city county state states island islands river lake mountain mount valley bay coast
    province region district street avenue road square station airport stadium arena park
    beach village town kingdom republic peninsula strait sea ocean desert prefecture borough
    township territory oblast""".split()
)
ORG_WORDS = frozenset(
    """university college school court committee council department ministry agency company
    corp corporation inc ltd llc group bank party association club team fund foundation
    institute hospital center centre museum board commission service services network news
    times post journal airlines airline organization organisation administration office
    police army navy force league federation union house senate congress parliament media
    studios entertainment records holdings partners labs motors pharmaceuticals technologies
    communications enterprises industries brands""".split()
)
