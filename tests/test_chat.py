"""Follow-up questions: the history turns a follow-up into a standalone question before retrieval.

Offline, ``carry_subject`` puts the subject of the previous question in place of the follow-up's
pronoun, or beside a follow-up that leaves its subject out; with a chat model the rewrite is the
model's (tests/test_llm.py checks that call).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from conftest import SHARED_DATA
from test_retrieval import corpus, make_engine
from typer.testing import CliRunner

from qa.chat import (
    MIN_STORY_SHARE,
    StoryCondenser,
    carry_subject,
    make_condenser,
    replace_pronoun,
    standalone_question,
    subject_of,
)
from qa.engine import Engine
from qa.keyword_index import KeywordIndex
from qa.llm import LLMCondenser
from qa.models import Message
from qa.settings import Settings

LUKASHENKO = [
    {"role": "user", "content": "Who is Alexander Lukashenko?"},
    {"role": "assistant", "content": "He is the president of Belarus [1]."},
]
LUKASHENKO_TURNS = [Message.model_validate(m) for m in LUKASHENKO]


def messages(history: list[dict[str, str]]) -> list[Message]:
    return [Message.model_validate(m) for m in history]


def turns(*contents: str) -> list[Message]:
    """User turns, each followed by a short assistant reply."""
    out = []
    for content in contents:
        out += [
            Message(role="user", content=content),
            Message(role="assistant", content="An answer [1]."),
        ]
    return out


class TestCarrySubject:
    @pytest.mark.parametrize(
        ("previous", "follow_up", "standalone"),
        [
            (
                "Who is Alexander Lukashenko?",
                "Since when has he been president?",
                "Since when has Alexander Lukashenko been president?",
            ),
            (
                "What did Xi say about sanctions?",
                "What did he say about the war?",
                "What did Xi say about the war?",
            ),
            (
                "What did Xi say about sanctions?",
                "What is his peace plan?",
                "What is Xi's peace plan?",
            ),
            (
                "Why did Vladimir Putin invade Ukraine?",
                "Who supports him?",
                "Who supports Vladimir Putin?",
            ),
            ("Did Beijing respond?", "When did they respond?", "When did Beijing respond?"),
            (
                "Tell me about Angela Merkel.",
                "What did she tell her party?",
                "What did Angela Merkel tell her party?",
            ),
        ],
    )
    def test_the_pronoun_becomes_the_previous_subject(
        self, previous: str, follow_up: str, standalone: str
    ) -> None:
        assert carry_subject(follow_up, turns(previous)) == standalone

    @pytest.mark.parametrize(
        ("previous", "follow_up"),
        [
            ("Who is Alexander Lukashenko?", "What did Xi say about sanctions?"),  # no pronoun
            ("Who is Alexander Lukashenko?", "Where was it held?"),  # "it" is not a person
            ("what happened in the talks?", "What did he say?"),  # nobody named before
            ("Who is Xi?", "Did Xi meet him?"),  # names the subject already
        ],
    )
    def test_questions_it_cannot_resolve_are_left_alone(
        self, previous: str, follow_up: str
    ) -> None:
        assert carry_subject(follow_up, turns(previous)) == follow_up

    def test_the_latest_question_that_names_someone_wins(self) -> None:
        history = turns("Who is Xi Jinping?", "Who is Alexander Lukashenko?", "And since when?")
        assert carry_subject("What did he say?", history) == "What did Alexander Lukashenko say?"

    def test_the_short_answer_an_assistant_turn_leads_with_is_the_subject(self) -> None:
        history = [
            Message(role="user", content="who leads the country?"),
            Message(role="assistant", content="Alexander Lukashenko [1]. He took office [1]."),
        ]
        assert (
            carry_subject("Since when has he led it?", history)
            == "Since when has Alexander Lukashenko led it?"
        )

    def test_a_quoted_sentence_of_an_assistant_turn_is_not_mined_for_names(self) -> None:
        history = [
            Message(role="user", content="what happened in the talks?"),
            Message(role="assistant", content="Officials from Belarus met in Minsk [1]."),
        ]
        assert carry_subject("What did he say?", history) == "What did he say?"

    def test_a_team_that_won_is_who_they_are_not_the_trophy(self) -> None:
        history = [
            Message(role="user", content="Who won the Stanley Cup?"),
            Message(role="assistant", content="Colorado Avalanche [1]. The Avalanche won [1]."),
        ]
        assert (
            carry_subject("Who did they beat in the final?", history)
            == "Who did Colorado Avalanche beat in the final?"
        )
        only_the_question = [Message(role="user", content="Who won the Stanley Cup?")]
        assert (
            carry_subject("Who did they beat in the final?", only_the_question)
            == "Who did they beat in the final?"
        )

    @pytest.mark.parametrize(
        "standalone",
        [
            "Why did the CDC activate its Emergency Operations Center?",
            "What did Xi say about his trip?",
            "How many people did the fire in Sitakunda kill?",
            "How many days after her car crash did actress Anne Heche die?",  # names her
            "Which head of state announced his resignation this week?",  # his: the one asked
            "Which retailer lowered its gas prices to $3.99 a gallon?",
            "Who announced his resignation?",
            "On what date did US gas prices hit their peak?",  # "US" is a name, not "us"
            "What happened to gas prices?",  # too many words of its own to be elliptic
        ],
    )
    def test_a_standalone_question_is_never_rewritten_after_history(self, standalone: str) -> None:
        history = turns("How many Americans support Roe v. Wade?", "Who is Jim Boeheim?")
        assert carry_subject(standalone, history) == standalone

    def test_their_after_a_plural_noun_of_the_question_is_that_nouns(self) -> None:
        history = turns("How many owners of the Toyota BZ4X got a refund?")
        question = "How much money were owners offered toward their car payments?"
        assert replace_pronoun(question, history) == question
        rewritten = carry_subject("Why did the firefighters leave their trucks?", history)
        assert rewritten.startswith("Why did the firefighters leave their trucks?")

    def test_they_of_a_plural_noun_the_topic_speaks_of_first_is_not_the_name(self) -> None:
        history = turns("How many owners of the Toyota BZ4X got a refund?")
        # "they" are the owners: the story's names go beside the question, not in its place.
        assert carry_subject("What were they offered?", history) == (
            "What were they offered? (Toyota BZ4X)"
        )

    def test_they_right_after_its_auxiliary_is_still_the_answer_named_before(self) -> None:
        history = [
            Message(role="user", content="Who won the Stanley Cup?"),
            Message(role="assistant", content="Colorado Avalanche [1]. The Avalanche won [1]."),
        ]
        assert carry_subject("How many games did they win?", history) == (
            "How many games did Colorado Avalanche win?"
        )

    def test_a_capitalised_common_noun_is_never_the_subject(self) -> None:
        history = turns("How many Americans support abortion rights?")
        assert carry_subject("What do they want?", history) == "What do they want?"

    @pytest.mark.parametrize(
        ("text", "subject"),
        [
            ("Who is Alexander Lukashenko?", "Alexander Lukashenko"),
            ("Describe Xi Jinping’s trip.", "Xi Jinping"),
            ("What did the minister say?", None),
            ("I wonder what President Xi said", "President Xi"),
            ("Near which town did the Oak Fire start?", "Oak Fire"),  # "Near" opens it
        ],
    )
    def test_subject_of(self, text: str, subject: str | None) -> None:
        assert subject_of(text) == subject


BANGLADESH_FIRE = "Where in Bangladesh did a fire at a container depot kill at least 49 people?"


class TestCarryTopic:
    """A follow-up that leaves its subject out ("How many died?") gets the names of the latest
    question that named something, in brackets, so retrieval finds that story again."""

    @pytest.mark.parametrize(
        "follow_up",
        [
            "How many were injured?",
            "And when?",
            "What about the injured?",
            "Who owns the depot?",
            "How many firefighters fought the fire?",
            "At which port?",
            # What a question asks for ("date", "time", "large") gives it no topic of its own,
            # in whatever form the stemmer reads it.
            "When is the date and time of the large fire's inquiry?",
        ],
    )
    def test_an_elided_subject_gets_the_named_topic(self, follow_up: str) -> None:
        assert carry_subject(follow_up, turns(BANGLADESH_FIRE)) == f"{follow_up} (Bangladesh)"

    def test_the_topic_survives_a_chain_of_elided_follow_ups(self) -> None:
        history = turns("Who won the Wimbledon women's final?", "And the score?")
        assert carry_subject("Who was the runner-up?", history) == (
            "Who was the runner-up? (Wimbledon)"
        )

    def test_the_latest_named_question_is_the_topic(self) -> None:
        history = turns(BANGLADESH_FIRE, "What did Xi say about sanctions?")
        assert carry_subject("And when?", history) == "And when? (Xi)"

    @pytest.mark.parametrize(
        ("previous", "follow_up"),
        [
            ("what happened in the talks?", "Who walked out?"),  # nothing named: no topic
            (BANGLADESH_FIRE, "Is the economy growing faster than expected this year?"),
            (BANGLADESH_FIRE, "Tell me more."),  # not a question
        ],
    )
    def test_what_is_not_an_elided_follow_up_is_left_alone(
        self, previous: str, follow_up: str
    ) -> None:
        assert carry_subject(follow_up, turns(previous)) == follow_up


class Share:
    """A ``StoryShare`` that answers one fixed figure and records what it was asked."""

    def __init__(self, value: float | None) -> None:
        self.value = value
        self.calls: list[tuple[str, str]] = []

    def __call__(self, question: str, story: str) -> float | None:
        self.calls.append((question, story))
        return self.value


class TestStoryEvidence:
    """With the archive at hand, a short nameless question is a follow-up only when the
    conversation's story matches its words nearly as well as anything in the archive does."""

    def test_a_question_the_story_does_not_explain_is_left_alone(self) -> None:
        share = Share(MIN_STORY_SHARE / 2)
        assert carry_subject("Who won the election?", turns(BANGLADESH_FIRE), share=share) == (
            "Who won the election?"
        )
        ((question, story),) = share.calls
        assert question == "Who won the election?"
        assert story.startswith(BANGLADESH_FIRE)  # the topic's turn and what follows it

    def test_a_question_the_story_explains_gets_the_topic(self) -> None:
        share = Share(MIN_STORY_SHARE)
        assert carry_subject("How many were injured?", turns(BANGLADESH_FIRE), share=share) == (
            "How many were injured? (Bangladesh)"
        )

    def test_without_evidence_to_compare_the_words_decide(self) -> None:
        assert carry_subject("And when?", turns(BANGLADESH_FIRE), share=Share(None)) == (
            "And when? (Bangladesh)"
        )

    def test_one_standing_for_a_noun_said_before_needs_no_evidence(self) -> None:
        history = turns("Which marsupial will scientists use to bring back the Tasmanian tiger?")
        assert carry_subject(
            "In what year did the last captive one die?", history, share=Share(0.0)
        ) == ("In what year did the last captive one die? (Tasmanian)")

    def test_pronouns_are_resolved_without_asking_the_archive(self) -> None:
        share = Share(0.0)
        assert (
            carry_subject("Since when has he been president?", LUKASHENKO_TURNS, share=share)
            == "Since when has Alexander Lukashenko been president?"
        )
        assert share.calls == []


FIRE_STORY = {
    "id": "fire",
    "title": "Man trying to burn a spider starts Springville brushfire",
    "text": "A man trying to burn a spider with a lighter started a brushfire in Springville, "
    "Utah. Forty firefighters fought the fire through the night, the fire chief said.",
}
JOBS_STORY = {
    "id": "jobs",
    "title": "Jobs report",
    "text": "The unemployment rate fell to 3.5 percent in July as employers added 528,000 "
    "jobs, the Labor Department said.",
}
TENNIS_STORY = {
    "id": "tennis",
    "title": "Rybakina wins Wimbledon",
    "text": "Elena Rybakina beat Ons Jabeur in the Wimbledon final to win her first major.",
}
FIRE_CONVERSATION = [
    {"role": "user", "content": "In which Utah town did a man start a brushfire?"},
    {"role": "assistant", "content": "Springville [1]."},
]


class TestStoryShareOfTheKeywordIndex:
    @pytest.fixture
    def engine(self, tmp_path: Path) -> Engine:
        engine = make_engine(tmp_path)
        engine.ingest([corpus(tmp_path / "in", [FIRE_STORY, JOBS_STORY, TENNIS_STORY])])
        return engine

    def test_the_storys_own_words_score_as_well_as_anything(self, engine: Engine) -> None:
        index = KeywordIndex(engine.settings, engine.store)
        story = "In which Utah town did a man start a brushfire? Springville [1]."
        assert index.story_share("How many firefighters fought the fire?", story, articles=1) == 1.0
        assert index.story_share("What is the unemployment rate?", story, articles=1) == 0.0
        assert index.story_share("And when?", story, articles=1) is None  # no word to compare

    def test_a_standalone_nameless_question_after_an_unrelated_conversation_is_left_alone(
        self, engine: Engine
    ) -> None:
        question = "What is the unemployment rate?"
        assert carry_subject(question, messages(FIRE_CONVERSATION)) != question  # words alone
        assert engine.retrieve(question, FIRE_CONVERSATION)  # builds nothing it would not
        assert engine.condenser(question, messages(FIRE_CONVERSATION)) == question

    def test_an_elided_subject_follow_up_is_still_rewritten(self, engine: Engine) -> None:
        assert engine.condenser(
            "How many firefighters fought the fire?", messages(FIRE_CONVERSATION)
        ) == ("How many firefighters fought the fire? (Utah)")


class Recording:
    """A condenser that records its calls and returns a fixed rewrite."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[Message]]] = []

    def __call__(self, question: str, history: Sequence[Message]) -> str:
        self.calls.append((question, list(history)))
        return "rewritten"


class TestStandaloneQuestion:
    def test_without_history_the_condenser_is_not_called(self) -> None:
        condense = Recording()
        assert standalone_question("  Who is Xi? ", None, condense) == "Who is Xi?"
        assert standalone_question("Who is Xi?", [], condense) == "Who is Xi?"
        assert condense.calls == []

    def test_a_question_typed_without_its_question_mark_gets_one(self) -> None:
        assert standalone_question("who is xi", None) == "who is xi?"
        assert standalone_question("how many  people\ndied", None) == "how many people died?"
        # What is no question stays as it is.
        assert standalone_question("Tell me about Xi", None) == "Tell me about Xi"
        assert standalone_question("Who is Xi.", None) == "Who is Xi."

    def test_whats_and_whos_are_written_out(self) -> None:
        assert standalone_question("What's the price of a ticket", None) == (
            "What is the price of a ticket?"
        )
        assert standalone_question("who’s the ceo", None) == "who is the ceo?"
        assert standalone_question("whats new", None) == "what is new?"

    def test_a_request_to_tell_is_the_question_it_holds(self) -> None:
        for typed, asked in [
            ("Can you tell me who the CEO of JetBlue is?", "Who is the CEO of JetBlue?"),
            ("do you know when the runoff is", "When is the runoff?"),
            ("I'd like to know where the fire was", "Where was the fire?"),
            ("Please tell me how many people died.", "How many people died."),
        ]:
            assert standalone_question(typed, None) == asked
        assert standalone_question("Tell me about the runoff", None) == "Tell me about the runoff"

    def test_with_history_it_gets_the_validated_turns_oldest_first(self) -> None:
        condense = Recording()
        history = [{"role": "system", "content": "Be nice."}, *LUKASHENKO]
        assert standalone_question("Since when?", history, condense) == "rewritten"
        ((question, seen),) = condense.calls
        assert question == "Since when?"
        assert [m.role for m in seen] == ["user", "assistant"]  # the app's system turn is not chat
        assert seen[0].content == "Who is Alexander Lukashenko?"

    def test_the_offline_rule_is_the_default(self) -> None:
        assert (
            standalone_question("Since when has he been president?", LUKASHENKO)
            == "Since when has Alexander Lukashenko been president?"
        )


class TestWhichCondenser:
    def test_offline_settings_use_the_rule(self, tmp_path: Path) -> None:
        assert make_condenser(Settings(data_dir=tmp_path)) is carry_subject

    def test_a_configured_model_condenses(self, tmp_path: Path) -> None:
        settings = Settings(data_dir=tmp_path, openai_api_key="sk-test")
        assert isinstance(make_condenser(settings), LLMCondenser)

    def test_with_the_archives_evidence_the_rule_checks_the_story(self, tmp_path: Path) -> None:
        share = Share(1.0)
        condense = make_condenser(Settings(data_dir=tmp_path), share)
        assert condense == StoryCondenser(share)

    def test_qa_llm_extractive_wins_over_a_key(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        monkeypatch.setenv("QA_LLM", "extractive")
        condenser = make_engine(tmp_path).condenser
        assert isinstance(condenser, StoryCondenser)  # the rule, with the keyword index


@pytest.mark.slow
class TestOfflineChat:
    def test_two_turns_retrieve_and_cite_1994(self, sample_engine: Engine) -> None:
        first = sample_engine.ask("Who is Alexander Lukashenko?")
        history = [
            {"role": "user", "content": "Who is Alexander Lukashenko?"},
            {"role": "assistant", "content": first.text},
        ]
        second = sample_engine.ask("Since when has he been president?", history)
        assert second.question == "Since when has Alexander Lukashenko been president?"
        assert not second.refused
        assert any("1994" in c.quote for c in second.citations)

    def test_qa_chat_keeps_history_until_new(
        self,
        sample_engine: Engine,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        import qa.cli

        monkeypatch.setattr(qa.cli, "_engine", lambda: sample_engine)
        lines = [
            "Who is Alexander Lukashenko?",
            "Since when has he been president?",
            "/new",
            "Since when has he been president?",
        ]
        result = CliRunner().invoke(qa.cli.app, ["chat"], input="\n".join(lines) + "\n")
        assert result.exit_code == 0, result.output
        out = result.stdout
        assert (
            out.count("(understood as: Since when has Alexander Lukashenko been president?)") == 1
        )
        assert "(new conversation)" in out
        assert out.index("(new conversation)") > out.index("understood as")
        assert "Traceback" not in result.output

    def test_qa_chat_checks_its_options_once_and_survives_odd_lines(
        self,
        sample_engine: Engine,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        import qa.cli

        monkeypatch.setattr(qa.cli, "_engine", lambda: sample_engine)
        bad = CliRunner().invoke(qa.cli.app, ["chat", "--since", "2022-99-01"], input="q1\nq2\n")
        assert bad.exit_code == 1
        assert bad.output.count("does not parse") == 1  # once, before any question
        lines = [
            "/help",  # no command of chat's: said so, not asked as a question
            "Who cut the \udcff ribbon?",  # a byte that is not UTF-8, as a pipe delivers it
            "\u200b",  # nothing to read
            "Since when has Lukashenko been president?",
        ]
        piped = ("\n".join(lines) + "\n").encode("utf-8", "surrogateescape")  # \xff itself
        result = CliRunner().invoke(qa.cli.app, ["chat"], input=piped)
        assert result.exit_code == 0, result.output
        assert "unknown command /help: /new starts over, /quit leaves" in result.stderr
        assert "\ufffd" in result.stdout  # the odd bytes are replaced, the chat goes on
        assert "1994" in result.stdout and "Traceback" not in result.output


MARBURG = "6dbee1fc1af9"  # Ghana's first Marburg virus cases (July 2022)
# Stories of the same archive that talk about quarantine far more than the Marburg one does.
QUARANTINE_STORIES = [
    "2cefa6cbb8b4",
    "9c9e6888c815",
    "6f813a6bdcbd",
    "1d38e488ffc2",
    "54126128c5b2",
]
MONKEYPOX = "62af423eec3a"  # "What is monkeypox and its signs and symptoms?" (May 2022)


@pytest.mark.slow
class TestElidedFollowUpOnRealNews:
    def test_a_follow_up_gets_the_story_and_a_question_about_another_story_does_not(
        self, engine: Engine, tmp_path: Path
    ) -> None:
        articles = SHARED_DATA / "articles.jsonl"
        if not articles.exists():
            pytest.skip(f"{articles} is missing (the shared development data)")
        wanted = {MARBURG, MONKEYPOX, *QUARANTINE_STORIES}
        lines = [line for line in articles.open(encoding="utf-8") if line[8:20] in wanted]
        assert len(lines) == len(wanted)
        (tmp_path / "news.jsonl").write_text("".join(lines), encoding="utf-8")
        engine.ingest([tmp_path / "news.jsonl"])
        question = "In which region of Ghana did two patients with Marburg virus die?"
        first = engine.ask(question)
        history = [
            {"role": "user", "content": question},
            {"role": "assistant", "content": first.text},
        ]

        follow_up = engine.ask("When were the first cases ever recorded?", history)
        assert follow_up.question == "When were the first cases ever recorded? (Ghana, Marburg)"
        assert follow_up.citations
        assert {c.article_id for c in follow_up.citations} == {first.citations[0].article_id}
        assert "1967" in follow_up.text

        standalone = "What are the symptoms of monkeypox?"
        assert carry_subject(standalone, messages(history)) != standalone  # words alone would
        answer = engine.ask(standalone, history)
        assert answer.question == standalone
        assert answer.citations
        assert "monkeypox" in answer.citations[0].title.lower()
