"""The sort of answer a question asks for, and whether a candidate is of it (qa/sorts.py): a
team is no answer to "which quarterback", a weight none to "how much did it cost", a newspaper
none to "where"; a role before a name, a currency sign or a unit shows the sort.

The sentences here are written for these tests, or read at run time from the development articles
in ../shared (copyrighted: not copied here).
"""

from __future__ import annotations

import pytest
from conftest import real_sentence

from qa.answering import ExtractiveAnswerer
from qa.embeddings import LocalEmbedder
from qa.factoids import find_candidates, read_question
from qa.models import Source, StoredChunk
from qa.sorts import CONFLICTS, FITS, UNKNOWN, Sort, agreement, counted_event, number_sort
from qa.stance import asks_what_happened


def sort_of(question: str) -> Sort | None:
    ask = read_question(question)
    assert ask is not None, question
    return ask.sort


def agree(question: str, sentence: str, span: str) -> int:
    ask = read_question(question)
    assert ask is not None
    start = sentence.index(span)
    return agreement(ask.sort, sentence, start, start + len(span), ask.noun)


def measured(sentence: str, span: str) -> str | None:
    """What the number ``span`` of ``sentence`` measures (``number_sort``)."""
    start = sentence.index(span)
    return number_sort(sentence, start, start + len(span))


class TestAskedSort:
    @pytest.mark.parametrize(
        ("question", "sort"),
        [
            ("Who will start at quarterback for the Browns?", "person"),
            ("Which surgeon operated on the senator?", "person"),
            ("Who bought the newspaper?", "someone"),  # a person or a company
            ("Where was the funeral held?", "place"),
            ("In which town did the fire start?", "place"),
            ("Which airline agreed to buy Spirit?", "organisation"),
            ("Which race did she win by 25 minutes?", "event"),
            ("Which song did she sing after the final?", "work"),
            ("Which currency is the dollar nearly equal to?", "thing"),
            ("How much did the first flight cost?", "money"),
            ("What is the starting price of the new SUV?", "money"),
            ("How many years in prison was he sentenced to?", "duration"),
            ("How tall is the Grizzly Giant?", "length"),
            ("How much does the shark weigh?", "weight"),
            ("How old was the guard?", "age"),
            ("What percentage of adults disapprove?", "percent"),
            ("What annual US inflation rate did the index show?", "percent"),
            ("The bank raised its interest rate to the highest in how many years?", "duration"),
            ("How many firefighters fought the fire?", "count"),
            ("How many tickets were sold?", "count"),
            ("Which Inc. magazine tech columnist wrote about it?", "person"),  # the head noun
            ("Who were the two pilots killed in the crash?", "person"),  # a plural role
            ("Which star player's team won the title?", "person"),
            ("Which Bay County couple lost their home to the wildfire?", "person"),
            ("How much was the pearl appraised at?", "money"),
            ("How much is the actor suing his ex-wife for?", "money"),
            ("How much did the seller ask for the database?", "money"),
            ("How much will the star make this season?", "money"),  # earnings
            ("How much progress did the talks make?", None),  # asked of a noun: no sum
            ("How many acres had the fire burned by Sunday?", "area"),  # its unit says
            ("How much more did Americans pay for beef roasts?", None),  # a sum or a share
            ("How many Family Dollar stores sold the products?", "count"),
            ("How much have gas prices risen this year?", None),  # by a sum or by a share
            ("When did the fire start?", None),  # the date rules of qa.factoids decide
        ],
    )
    def test_the_noun_or_wh_word_names_the_sort(self, question: str, sort: str | None) -> None:
        assert sort_of(question) == sort


class TestAgreement:
    def test_a_team_is_not_a_quarterback(self) -> None:
        sentence = "He was suspended for games he played while he was with the Houston Texans."
        question = "Who will start at quarterback for the Browns?"
        assert agree(question, sentence, "Houston Texans") == CONFLICTS

    def test_a_role_before_a_name_shows_a_person(self) -> None:
        sentence = "Backup quarterback Jacoby Brissett will start in his absence."
        question = "Who will start at quarterback for the Browns?"
        assert agree(question, sentence, "Jacoby Brissett") == FITS

    def test_a_name_without_a_sign_of_its_sort_is_not_refused_for_it(self) -> None:
        sentence = "The winning goal came from Chloe Kelly in extra time."
        assert agree("Who scored the winning goal?", sentence, "Chloe Kelly") == UNKNOWN

    def test_a_weight_is_not_a_price_and_a_currency_is(self) -> None:
        sentence = "The plane carried 70,000 pounds of formula; the flight cost $1.2 million."
        question = "How much did the first flight cost?"
        assert agree(question, sentence, "70,000 pounds") == CONFLICTS
        assert agree(question, sentence, "$1.2 million") == FITS

    def test_a_measure_needs_its_unit(self) -> None:
        sentence = "Over 500 sequoias grow there; the Grizzly Giant is 209 feet tall."
        question = "How tall is the Grizzly Giant?"
        assert agree(question, sentence, "Over 500") == CONFLICTS
        assert agree(question, sentence, "209 feet") == FITS
        # A count may be a bare number: "how many" is answered by "23".
        assert agree("How many titles has she won?", "She has won 23 of them.", "23") == UNKNOWN
        # So may an age: "She was 73."
        assert agree("How old was she when she died?", "She died. She was 73.", "73") == UNKNOWN

    def test_a_number_joined_to_its_noun_measures_how_long(self) -> None:
        # "How long was the streak?": counted in matches; a bare count of people is no length.
        sentence = "She lost in round three, ending a 37-match winning streak before 9,000 fans."
        question = "How long was the winning streak that her loss ended?"
        assert agree(question, sentence, "37-match") == UNKNOWN
        assert agree(question, sentence, "9,000 fans") == CONFLICTS

    def test_an_age_or_a_year_is_not_a_prison_term(self) -> None:
        sentence = "The 41-year-old worked for the navy until around 2005 and faces 20 years."
        question = "How many years in prison was he sentenced to?"
        assert agree(question, sentence, "41-year-old") == CONFLICTS
        assert agree(question, sentence, "around 2005") == CONFLICTS
        assert agree(question, sentence, "20 years") == FITS

    def test_years_older_than_someone_is_an_age_gap_not_a_prison_term(self) -> None:
        sentence = "Balwani, nearly 20 years older than Holmes, was sentenced to 13 years."
        question = "How many years in prison was Balwani sentenced to?"
        assert measured(sentence, "nearly 20 years") == "gap"
        assert agree(question, sentence, "nearly 20 years") == CONFLICTS
        assert agree(question, sentence, "13 years") == FITS

    def test_a_day_of_a_month_is_not_a_count(self) -> None:
        sentence = "After starting July 7, the fire forced 3,000 people to leave."
        assert measured(sentence, "7") == "date"
        assert agree("How many people were evacuated?", sentence, "7") == CONFLICTS
        sentence = "Further eruptions similar to the 15 January 2022 event are possible."
        assert measured(sentence, "15") == "date"
        assert agree("How many homes were destroyed?", sentence, "15") == CONFLICTS

    def test_a_newspaper_or_an_office_is_not_a_place(self) -> None:
        sentence = "He spoke in an interview with the Arizona Republic last year."
        assert agree("Where was the funeral held?", sentence, "Arizona Republic") == CONFLICTS
        sentence = "The man told the Utah County Sheriff's Office he was burning a spider."
        office = "Utah County Sheriff's Office"
        assert agree("In which Utah town did the fire start?", sentence, office) == CONFLICTS
        sentence = "The fire started in Springville, Utah, on Sunday."
        assert agree("In which Utah town did the fire start?", sentence, "Springville") == FITS

    def test_a_district_or_a_county_is_not_the_town_asked_for(self) -> None:
        sentence = "Voters in the 14th Congressional District met her in Rome, Georgia."
        question = "In which Georgia town does she live?"
        assert agree(question, sentence, "Congressional District") == CONFLICTS
        assert agree(question, sentence, "Rome") != CONFLICTS

    def test_a_country_is_not_the_city_asked_for(self) -> None:
        sentence = "The United States killed him in a strike on a house in Kabul."
        question = "In which city was he killed?"
        assert agree(question, sentence, "United States") == CONFLICTS
        assert agree(question, sentence, "Kabul") == FITS

    def test_what_someone_heads_is_no_person_nor_the_one_who_speaks(self) -> None:
        sentence = "Jo Smith, the president of the Presidio Vesuvio, told the outlet he fell."
        assert agree("Who are the two relatives?", sentence, "Presidio Vesuvio") == CONFLICTS
        assert agree("Who told the outlet?", sentence, "Jo Smith") == FITS
        sentence = "Jo Smith, a spokeswoman at Vesuvio Guides, said the trail was closed."
        assert agree("Who said it was closed?", sentence, "Vesuvio Guides") != FITS

    def test_the_cover_of_a_magazine_shows_an_outlet(self) -> None:
        sentence = "She posted on Instagram a picture of herself on the cover of Vogue."
        question = "In which magazine did she announce it?"
        assert agree(question, sentence, "Vogue") == FITS
        assert agree(question, sentence, "Instagram") == UNKNOWN

    def test_a_title_in_quotes_is_a_work_even_with_the_comma_inside(self) -> None:
        sentence = 'She sang Neil Diamond\'s "Sweet Caroline," and ran off.'
        assert agree("Which song did she sing?", sentence, "Sweet Caroline") == FITS
        # Whose song it is names no song: the owner before a possessive is not the work.
        assert agree("Which song did she sing?", sentence, "Neil Diamond") == CONFLICTS
        sentence = "Stars paid tribute with songs from the Judds' legendary catalog."
        assert agree("Which song did Bono perform?", sentence, "Judds") == CONFLICTS

    def test_a_title_in_quotes_or_a_tournament_is_not_a_person(self) -> None:
        sentence = 'The "Leave It To Beaver" star reached the Grand Slam final with his son.'
        question = "What is the name of his son?"
        assert agree(question, sentence, "Leave It To Beaver") == CONFLICTS
        assert agree("Who did she beat?", sentence, "Grand Slam") == CONFLICTS

    def test_a_team_named_after_its_place_is_no_place(self) -> None:
        sentence = "They beat the Green Bay Packers in Salt Lake City on Sunday."
        assert agree("Who did the Bears beat?", sentence, "Green Bay Packers") != CONFLICTS
        assert agree("Where did the Bears play?", sentence, "Green Bay Packers") != FITS
        assert agree("Where did the Bears play?", sentence, "Salt Lake City") != CONFLICTS

    def test_a_prefecture_is_a_place_not_a_person(self) -> None:
        sentence = "He was taken to a hospital in Kashihara, Nara Prefecture, on July 8."
        assert agree("Who shot the former prime minister?", sentence, "Nara Prefecture") == (
            CONFLICTS
        )

    def test_a_named_fire_or_storm_is_an_event_but_the_body_that_speaks_is_not(self) -> None:
        sentence = "The two pilots were contracted to help fight the Moose Fire, Cernicek said."
        assert agree("Who were the two pilots killed?", sentence, "Moose Fire") == CONFLICTS
        sentence = "Two people were swept out to sea while fishing, Cal Fire said."
        assert agree("Which agency rescued them?", sentence, "Cal Fire") == FITS
        assert agree("Who were the two people swept out to sea?", sentence, "Cal Fire") == CONFLICTS
        sentence = "Hurricane Ian made landfall near Fort Myers on Wednesday."
        assert agree("Who made landfall near Fort Myers?", sentence, "Hurricane Ian") == CONFLICTS

    def test_a_team_set_before_a_role_and_a_name_is_where_the_person_works(self) -> None:
        sentence = "Boston Red Sox ace Chris Sale will miss the rest of the season."
        assert (
            agree("Which surgeon operated on his wrist?", sentence, "Boston Red Sox") == CONFLICTS
        )
        assert agree("Which team will he miss games for?", sentence, "Boston Red Sox") == FITS
        sentence = "BOSTON (AP) — Red Sox left-hander Chris Sale broke his right wrist."
        assert agree("Which surgeon operated on his wrist?", sentence, "Red Sox") == CONFLICTS
        ceo = "JetBlue chief executive Robin Hayes said the offer was better."
        assert agree("Who is the airline's chief executive?", ceo, "JetBlue") == CONFLICTS
        assert agree("Who is the airline's chief executive?", ceo, "Robin Hayes") == FITS
        # Only role words in between: the one who beat the champion is a person, and so is
        # the name before an adverb shaped like a role ("later").
        beat = "Harmony Tan beat champion Serena Williams in three sets."
        assert agree("Who beat Serena Williams?", beat, "Harmony Tan") != CONFLICTS
        sentence = "Serena Williams later Ajla Tomljanovic said was a fighter."
        assert agree("Who did she face?", sentence, "Serena Williams") != CONFLICTS

    def test_a_team_whose_name_is_no_plural_is_no_person(self) -> None:
        sentence = "The Red Sox announced that Sale underwent surgery on his right wrist Monday."
        assert agree("Which surgeon operated on his wrist?", sentence, "Red Sox") == CONFLICTS

    def test_a_post_alone_names_nobody_and_no_team(self) -> None:
        sentence = "The team's General Manager, Chris Grier, told Mr. Flores that Ross was mad."
        assert agree("Which team hired him?", sentence, "General Manager") == CONFLICTS
        assert agree("Who told Mr. Flores?", sentence, "General Manager") == CONFLICTS

    def test_the_abbreviation_of_a_common_noun_is_no_organisation(self) -> None:
        sentence = (
            "It held their names, addresses and national ID numbers, hosted by Alibaba Cloud."
        )
        question = "Which cloud service hosted the database?"
        assert agree(question, sentence, "ID") != FITS
        ask = read_question(question)
        assert ask is not None
        names = [c.text for c in find_candidates(sentence, ask)]
        assert "ID" not in names
        assert "Alibaba Cloud" in names

    def test_the_number_set_beside_a_name_is_an_age(self) -> None:
        sentence = "Scott Overland, 37, was dining at Salt Air when he found a purple pearl."
        assert measured(sentence, "37") == "age"
        assert agree("How much was the purple pearl appraised at?", sentence, "37") == CONFLICTS
        assert agree("How many pearls did he find?", sentence, "37") == CONFLICTS

    def test_the_state_an_airport_is_in_is_not_the_airport(self) -> None:
        sentence = "Passengers on a Delta flight from Michigan to Minnesota were offered $10,000."
        question = "From which airport did the oversold Delta flight leave?"
        assert agree(question, sentence, "Michigan") == CONFLICTS
        sentence = "The flight left Gerald R. Ford International Airport 20 minutes late."
        airport = "Gerald R. Ford International Airport"
        assert agree(question, sentence, airport) == FITS


def candidates(question: str, sentence: str) -> dict[str, float]:
    ask = read_question(question)
    assert ask is not None, question
    return {c.text: c.fit for c in find_candidates(sentence, ask)}


class TestCandidates:
    def test_a_year_the_question_asks_in_rules_out_dates_of_other_years(self) -> None:
        sentence = "It sets up a rematch of their runoff in 2017, to be held on April 24, 2022."
        found = candidates("When is the runoff between Macron and Le Pen in 2022?", sentence)
        assert "2017" not in found and "April 24, 2022" in found
        # A year that only sets the scene, before the wh-word, rules out nothing.
        sentence = "The last case diagnosed in the US was in 2013."
        question = "Before the Rockland County case in July 2022, when was the last polio case?"
        assert "2013" in candidates(question, sentence)

    def test_on_what_date_prefers_a_day_of_a_month_to_a_weekday_or_a_year(self) -> None:
        sentence = (
            "The Dolphins fired Flores on Jan. 10, after the 2019 season, and he sued Tuesday."
        )
        found = candidates("On what date did the Miami Dolphins fire Brian Flores?", sentence)
        assert found["Jan. 10"] > max(found["Tuesday"], found["2019"])

    def test_the_name_after_a_title_and_its_domain_is_the_person(self) -> None:
        sentence = '"No one should be subjected to it," said Associate Commissioner for Regulatory '
        sentence += "Affairs Judith McMeekin."
        found = candidates("Which FDA official commented on the conditions?", sentence)
        assert list(found) == ["Judith McMeekin"]

    def test_a_poll_forecasts_the_result_a_question_asks_about(self) -> None:
        sentence = "Polling showed that Macron would win the runoff by just 51% to 49%."
        assert candidates("What share of the vote did Macron win in the runoff?", sentence) == {}
        assert "51%" in candidates("What share did the poll give Macron?", sentence)

    def test_the_post_someone_is_hired_as_is_the_role_asked(self) -> None:
        ask = read_question("Whom did the Miami Dolphins hire as head coach to replace Flores?")
        assert ask is not None and ask.noun == "coach"
        sentence = "The suit alleges that team owner Stephen Ross offered to pay him $100,000."
        question = "Whom did the Miami Dolphins hire as head coach to replace Flores?"
        assert agree(question, sentence, "Stephen Ross") == CONFLICTS

    def test_a_mark_passed_is_a_moment_not_how_long(self) -> None:
        sentence = "As the clock ticked over the two hour mark, both players kept going."
        assert candidates("How many hours did the final last?", sentence) == {}

    def test_the_outlet_someone_told_is_not_the_agency_asked(self) -> None:
        sentence = (
            "Mary Cernicek, spokesperson with the Salmon-Challis National Forest, told USA TODAY."
        )
        found = candidates("Which agency is investigating the crash?", sentence)
        assert "USA TODAY" not in found and "Salmon-Challis National Forest" in found
        assert "USA TODAY" in candidates("Which newspaper did she tell?", sentence)

    def test_a_title_word_before_of_is_part_of_a_name(self) -> None:
        sentence = "A shark sighting closed Head of the Meadow Beach in Truro on Tuesday."
        assert "Head of the Meadow Beach" in candidates("Which beach was closed?", sentence)

    def test_the_title_a_name_carries_names_the_body_asked(self) -> None:
        sentence = "Musk tweeted a meme comparing Agrawal to former Soviet leader Joseph Stalin."
        assert candidates("Which NAACP leader urged Musk to act?", sentence) == {}
        sentence = (
            "NAACP President Derrick Johnson said it, and NAACP leader Derrick Johnson added."
        )
        assert "Derrick Johnson" in candidates("Which NAACP leader urged Musk to act?", sentence)
        sentence = "She was her country's answer to then-US President Donald Trump."
        assert candidates("Which French president was the last to win reelection?", sentence) == {}
        # The title may follow the name in apposition.
        sentence = "Matt Smith, an analyst with data analytics firm Kpler, told USA TODAY."
        assert "Matt Smith" not in candidates("Which GasBuddy analyst warned of $5 gas?", sentence)
        assert "Matt Smith" in candidates("Which Kpler analyst warned of $5 gas?", sentence)
        # A country's adjective names the country: the Chinese president is China's president.
        sentence = "Chinese President Xi Jinping met his Belarusian counterpart in Beijing."
        assert "Xi Jinping" in candidates("Who is the president of China?", sentence)

    def test_a_noun_inside_a_name_must_be_its_head(self) -> None:
        # "Public Health Law Center" is no law; "the Tobacco Control Act" may be one.
        sentence = "The Public Health Law Center cited the Tobacco Control Act of 2009."
        found = candidates("Which law banned flavored cigarettes?", sentence)
        assert found["Tobacco Control Act"] >= found["Public Health Law Center"]

    def test_a_run_ending_in_a_title_is_whose_title_it_is_not_a_name(self) -> None:
        sentence = "In that time the Tesla and SpaceX CEO became one of Twitter's largest owners."
        assert candidates("Whom did Elon Musk name as Twitter's new CEO?", sentence) == {}
        sentence = "Supporters of U.S. Representative Liz Cheney gathered on Tuesday."
        assert candidates("Who beat Liz Cheney in the primary?", sentence) == {}

    def test_a_date_that_names_a_body_or_an_event_is_no_when(self) -> None:
        sentence = "Pence said he would consider testifying before the Jan. 6 committee."
        assert candidates("When did Gov. Brian Kemp testify?", sentence) == {}
        assert "Jan. 20" in candidates(
            "To which dates were the shows moved?", "It moved to Jan. 20."
        )

    def test_a_time_of_day_is_no_age_and_a_venue_is_no_one(self) -> None:
        sentence = "Biden will introduce Judge Ketanji Brown Jackson at 2 p.m. EST on Friday."
        assert candidates("How old was Ketanji Brown Jackson when nominated?", sentence) == {}
        sentence = "She chatted with fans in her Caesars Palace gift shop."
        assert "Caesars Palace" not in candidates("Who stepped in to fill her dates?", sentence)
        assert "Caesars Palace" not in candidates("Which song did she perform?", sentence)

    def test_a_prison_term_is_asked_of_a_sentence_about_sentencing(self) -> None:
        sentence = "The jury found that Chauvin knelt on Floyd for more than 9 minutes."
        assert candidates("How long was Kueng sentenced to?", sentence) == {}
        sentence = "Kueng was sentenced to three years in prison on Wednesday."
        assert "three years" in candidates("How long was Kueng sentenced to?", sentence)

    def test_a_number_with_a_half_and_its_unit_past_an_adjective(self) -> None:
        sentence = "He sank to the floor after five-and-a-half enthralling hours on court."
        found = candidates("How many hours did the final last?", sentence)
        assert list(found) == ["five-and-a-half"]
        assert measured(sentence, "five-and-a-half") == "duration"

    def test_a_name_before_the_counted_noun_is_no_plural_and_no_prison_term(self) -> None:
        sentence = "In Texas, 14 prisons have no air conditioning at all."
        question = "How many Texas prison units had no air conditioning in the heat wave?"
        assert read_question(question).noun == "units"  # type: ignore[union-attr]
        assert "14" in candidates(question, sentence)

    def test_a_players_average_is_per_game(self) -> None:
        sentence = "She averaged 21.5 points and eight rebounds last season."
        question = "How many points per game did she average last season?"
        assert "21.5 points" in candidates(question, sentence)
        assert candidates(question, "She scored 40 points in the final.") == {}

    def test_every_month_states_a_monthly_rate(self) -> None:
        sentence = "A typical household spends about $460 more every month than a year ago."
        question = "How much more per month was the typical household spending?"
        assert "about $460" in candidates(question, sentence)

    def test_since_when_asks_for_a_date_before_the_year_it_names(self) -> None:
        sentence = "It was the fastest increase since June 1982, the report said on Wednesday."
        question = "Since when had inflation not risen as fast as it did in December 2021?"
        assert "June 1982" in candidates(question, sentence)

    def test_a_long_name_before_a_person_noun_asks_for_a_person(self) -> None:
        sentence = "The heat is dangerous, agency spokesperson Amanda Hernandez told CNN."
        question = "Which Texas Department of Criminal Justice spokesperson described the heat?"
        assert read_question(question).kind == "person"  # type: ignore[union-attr]
        assert list(candidates(question, sentence)) == ["Amanda Hernandez"]

    def test_a_requirement_is_answered_by_what_would_be_needed(self) -> None:
        sentence = "It was unclear whether his party would win the 76 seats needed for a majority."
        question = "How many seats does a party need for a majority, as he claimed in May 2022?"
        assert "76 seats" in candidates(question, sentence)
        # "May" in capitals is the month, not a possibility.
        assert asks_what_happened("How much did prices rise in May 2022?")

    def test_the_verb_after_the_noun_asked_ends_its_phrase(self) -> None:
        sentence = 'She added an Emmy as a producer of PBS\' "The Black Church," which won.'
        question = "Which PBS program earned John Legend a Daytime Emmy as executive producer?"
        assert sort_of(question) == "work"
        assert "The Black Church" in candidates(question, sentence)

    def test_a_year_that_names_a_thing_does_not_date_the_answer(self) -> None:
        sentence = "Yahoo revealed that breach in December 2016."
        question = (
            "When did Yahoo first reveal the 2013 data breach, later found in 2017 to be worse?"
        )
        assert "December 2016" in candidates(question, sentence)
        # A year the answer is dated by still rules out others.
        question = "When was the 2022 Australian Open final played?"
        assert candidates(question, "The 2021 final was played on Feb. 21, 2021.") == {}

    def test_a_twitter_account_asked_is_a_handle(self) -> None:
        sentence = "One angry fan started the Twitter account @payusbackadele to press for refunds."
        question = "What Twitter account did an angry fan start?"
        assert list(candidates(question, sentence)) == ["@payusbackadele"]

    def test_sheriffs_strategists_and_cofounders_are_people(self) -> None:
        sentence = "Homes burned, according to Boulder County Sheriff Joe Pelle."
        assert "Joe Pelle" in candidates(
            "Which Boulder County sheriff briefed reporters?", sentence
        )
        sentence = '"It is not unusual," said Sam Stovall, chief investment strategist at CFRA.'
        assert next(iter(candidates("Which CFRA strategist said it?", sentence))) == "Sam Stovall"
        sentence = "Colossal CEO and co-founder Ben Lamm told the Austin American-Statesman."
        assert next(iter(candidates("Who is the CEO of Colossal?", sentence))) == "Ben Lamm"

    def test_what_was_the_price_or_the_rate_asks_for_a_number(self) -> None:
        sentence = "The national average for diesel stood at $5.56 a gallon, according to AAA."
        assert "$5.56" in candidates("What was the US average diesel price in mid-May?", sentence)
        sentence = "The natural growth rate fell to 0.034%, the lowest since the famine."
        assert "0.034%" in candidates("What was China's natural population growth rate?", sentence)
        assert read_question("What was the suspected cause of the blazes?") is None

    def test_a_rate_per_a_number_of_people_is_read_per_that_number(self) -> None:
        sentence = "It recorded 10.62 million births, or only 7.5 births per 1,000 people."
        found = candidates("What was China's birth rate per 1,000 people in 2021?", sentence)
        assert list(found) == ["7.5 births"]

    def test_how_strong_asks_for_a_measure_with_its_unit(self) -> None:
        sentence = "Gusts as strong as 115 mph were measured just south of Boulder."
        assert "115 mph" in candidates("How strong were the strongest gusts?", sentence)

    def test_a_year_before_the_noun_asked_still_asks_for_a_name(self) -> None:
        sentence = 'She also made the musical fantasy "Xanadu" with Gene Kelly.'
        question = "What 1980 musical fantasy film did she make with Gene Kelly?"
        assert "Xanadu" in candidates(question, sentence)

    def test_a_pronoun_after_the_verb_is_no_noun_asked(self) -> None:
        assert read_question("Which court sentenced him?").noun == "court"  # type: ignore[union-attr]

    def test_the_name_beside_a_number_the_question_states_is_the_one_asked(self) -> None:
        sentence = "Shares fell, with JP Morgan down more than 4% and Goldman Sachs down nearly 7%."
        found = candidates("Which bank's shares fell nearly 7% on Tuesday?", sentence)
        assert next(iter(found)) == "Goldman Sachs"
        found = candidates("Which bank's shares fell more than 4% on Tuesday?", sentence)
        assert next(iter(found)) == "JP Morgan"
        # A model name with a digit in it is no number to stand beside.
        sentence = "The Toyota BZ4X and Subaru Solterra crossovers were developed jointly."
        found = candidates("Which Subaru crossover was developed with Toyota's BZ4X?", sentence)
        assert next(iter(found)) == "Subaru Solterra"

    def test_a_rise_in_prices_is_a_share_as_much_as_a_sum(self) -> None:
        sentence = "Electricity prices rose 12% over the year, or about $10 a month."
        found = candidates("How much did electricity prices rise over the year?", sentence)
        assert found["12%"] == pytest.approx(found["about $10"])
        # Asked what something cost, the sum is the answer.
        found = candidates("How much did electricity cost a month?", sentence)
        assert found["about $10"] > found.get("12%", 0.0)

    def test_whom_a_body_hires_is_named_by_that_body(self) -> None:
        question = "Whom were the Giants hiring as head coach, according to the text Flores got?"
        sentence = "The Giants were hiring Buffalo Bills offensive coordinator Brian Daboll."
        found = candidates(question, sentence)
        assert next(iter(found)) == "Brian Daboll"  # the Bills employ him; they are no coach
        assert "Buffalo Bills" not in found
        # Another team's coach is not the one the Giants hire.
        said = "Flores got a text from Patriots coach Bill Belichick."
        assert "Bill Belichick" not in candidates(question, said)

    def test_a_name_sharing_a_first_name_with_the_question_is_still_new(self) -> None:
        question = "Whom were the Giants hiring, according to Brian Flores?"
        one = candidates(question, "I think they are naming Brian Daboll.")
        other = candidates(question, "I think they are naming Mike Daboll.")
        assert one["Brian Daboll"] == pytest.approx(other["Mike Daboll"])

    def test_no_persons_name_holds_a_lowercase_the(self) -> None:
        sentence = "Brian Flores filed suit against the Dolphins and the NFL on Tuesday."
        question = "Whom did the Miami Dolphins hire as head coach?"
        assert "Dolphins and the NFL" not in candidates(question, sentence)

    def test_a_company_or_a_peoples_word_is_no_venue(self) -> None:
        question = "At which venue was the state memorial held?"
        assert candidates(question, "She is morning editor at Katie Couric Media.") == {}
        said = "A state memorial will be held in Australia, Victorian Premier Daniel Andrews said."
        assert "Victorian" not in candidates(question, said)
        assert "Hamer Hall" in candidates(question, "The memorial was held at Hamer Hall.")

    def test_a_duration_in_another_unit_does_not_answer_how_many_hours(self) -> None:
        sentence = "The final game lasted more than 12 minutes; the match lasted five hours."
        found = candidates("How many hours did the match last?", sentence)
        assert list(found) == ["five hours"]
        # "How long" names no unit: either may answer.
        assert "more than 12 minutes" in candidates("How long did the final game last?", sentence)

    def test_since_when_is_answered_by_the_date_a_sentence_says_it_is_since(self) -> None:
        sentence = "Rents have doubled since 2019, a report said on June 8, 2022."
        assert next(iter(candidates("Since when have rents doubled?", sentence))) == "2019"
        # Asked when, the fuller date is the better answer, as before.
        assert next(iter(candidates("When did a report say rents doubled?", sentence))) == (
            "June 8, 2022"
        )

    def test_how_often_asks_for_a_share_of_the_time_or_times_not_a_count(self) -> None:
        question = "How often did she vote with the president?"
        assert candidates(question, "She was one of 10 Republicans to vote against.") == {}
        assert "93%" in candidates(question, "She voted with him 93% of the time.")
        assert "three times" in candidates(question, "She voted with him three times.")


VESUVIUS = "cc7d7eb5b571"  # the tourist who fell into the crater; a guides' president speaks
RESIGNATION = "53b51f26e31f"  # Rajapaksa's letter, delivered to the parliamentary speaker
TONY_DOW = "cfa43a5d4df9"  # the "Leave It to Beaver" actor's death
MARBURG = "6dbee1fc1af9"  # Ghana's first Marburg cases
SERENA = "a136841998db"  # Serena Williams to "evolve away from tennis" (told Vogue)


class TestInRealArticles:
    """The rules on sentences read at run time from the development articles in ../shared."""

    def test_a_name_holding_another_role_is_not_the_role_asked(
        self, archive: dict[str, str]
    ) -> None:
        sentence = real_sentence(archive[VESUVIUS], "Paolo Cappelli, the president")
        relatives = "What are the names of the two relatives who hiked up Mount Vesuvius?"
        president = "Who is the president of the Presidio Permanente Vesuvio?"
        assert agree(relatives, sentence, "Paolo Cappelli") == CONFLICTS
        assert agree(president, sentence, "Paolo Cappelli") == FITS
        sentence = real_sentence(archive[RESIGNATION], "speaker Mahinda")
        commissioner = "Who is the Sri Lankan high commissioner in Singapore?"
        speaker = "Who is Sri Lanka's parliamentary speaker?"
        assert agree(commissioner, sentence, "Mahinda Yapa Abeywardenena") == CONFLICTS
        assert agree(speaker, sentence, "Mahinda Yapa Abeywardenena") == FITS

    def test_what_an_office_is_of_is_not_a_person(self, archive: dict[str, str]) -> None:
        sentence = real_sentence(archive[VESUVIUS], "Paolo Cappelli, the president")
        relatives = "What are the names of the two relatives who hiked up Mount Vesuvius?"
        assert agree(relatives, sentence, "Presidio Permanente Vesuvio") == CONFLICTS

    def test_a_tournament_is_not_a_magazine(self, archive: dict[str, str]) -> None:
        sentence = real_sentence(archive[SERENA], "this year's US Open")
        question = "In which magazine did Serena Williams announce she would leave tennis?"
        assert agree(question, sentence, "US Open") == CONFLICTS

    def test_a_count_of_the_dead_is_not_a_count_of_the_evacuated(
        self, archive: dict[str, str]
    ) -> None:
        # A Yosemite fire story: "led to the evacuation hundreds of people in ... Wawona".
        sentence = real_sentence(archive["11a3d00e8319"], "evacuation hundreds of people")
        killed = read_question("How many people were killed by the fire near Yosemite?")
        evacuated = read_question("How many people did the fire near Yosemite force to leave?")
        assert killed is not None and evacuated is not None
        assert find_candidates(sentence, killed) == []
        assert [c.text for c in find_candidates(sentence, evacuated)] == ["hundreds"]
        assert counted_event("How many were injured in the crash?") is not None
        # Only the main clause says what is counted.
        assert counted_event("How many goals did Howe score, as recalled when he died?") is None
        assert counted_event("How many were evacuated after the deadly fire?") is None
        assert counted_event("How many people were killed when the fire spread?") is not None

    def test_a_real_article_that_counts_no_dead_is_refused(
        self, archive: dict[str, str], real_embedder: LocalEmbedder
    ) -> None:
        text = archive["e6075d166cb7"]  # the Oak Fire: evacuations, structures, no deaths
        chunk = StoredChunk("a1:0", "a1", text, 0, len(text), 0, "Title", None, "src", None)
        question = "How many people were killed by the Oak Fire near Yosemite in July 2022?"
        plan = ExtractiveAnswerer(real_embedder).select(
            question, [Source(n=1, chunk=chunk, score=1.0)]
        )
        assert plan.refused
        assert plan.sentences

    def test_a_general_noun_asked_fits_any_role(self) -> None:
        sentence = "The deal was announced by JetBlue CEO Robin Hayes on Thursday."
        assert agree("Which airline official announced the deal?", sentence, "Robin Hayes") == FITS

    def test_the_son_of_someone_is_a_person_not_a_place(self, archive: dict[str, str]) -> None:
        sentence = real_sentence(archive[TONY_DOW], "older son of Ward")
        assert agree("Where was the funeral held?", sentence, "Ward") == CONFLICTS

    def test_a_lone_word_with_no_sign_of_a_person_names_no_person(
        self, archive: dict[str, str]
    ) -> None:
        sentence = real_sentence(archive[MARBURG], "similar to Ebola")
        people = "What were the names of the two people who died of Marburg virus?"
        assert agree(people, sentence, "Ebola") == CONFLICTS
        # A bare "who" may be answered by a company's one-word name: not refused for it.
        assert agree("Who confirmed the cases?", sentence, "Ebola") == UNKNOWN

    def test_a_masthead_in_capitals_is_not_a_person(self, archive: dict[str, str]) -> None:
        sentence = real_sentence(archive[TONY_DOW], "confirmed to USA TODAY")
        son = "What is the name of the son of Tony Dow?"
        assert agree(son, sentence, "USA TODAY") == CONFLICTS

    def test_years_ago_is_a_time_not_a_prison_term(self) -> None:
        sentence = "He was indicted four years ago alongside the founder."
        assert measured(sentence, "four years") == "date"
        assert agree("How many years in prison was he sentenced to?", sentence, "four years") == (
            CONFLICTS
        )

    @pytest.mark.parametrize(
        ("question", "article"),
        [
            ("What are the names of the two relatives who hiked up Mount Vesuvius with the "
             "American tourist who fell into the crater?", VESUVIUS),
            ("What is the name of the Sri Lankan high commissioner in Singapore who witnessed "
             "Gotabaya Rajapaksa sign his resignation letter?", RESIGNATION),
            ("What were the names of the two people who died of Marburg virus in Ghana in July "
             "2022?", MARBURG),
        ],
    )  # fmt: skip
    def test_a_real_article_that_names_no_one_of_the_role_asked_is_refused(
        self, archive: dict[str, str], real_embedder: LocalEmbedder, question: str, article: str
    ) -> None:
        text = archive[article]
        chunk = StoredChunk("a1:0", "a1", text, 0, len(text), 0, "Title", None, "src", None)
        plan = ExtractiveAnswerer(real_embedder).select(
            question, [Source(n=1, chunk=chunk, score=1.0)]
        )
        assert plan.refused
        assert plan.sentences  # the nearest sentence is cited


OWEN_PREDICTION = "1a4024bca42e"  # a pundit predicts the 2022 Champions League final


class TestAScoreIsOneAnswer:
    def test_a_predicted_score_is_one_candidate_not_its_numbers(
        self, archive: dict[str, str]
    ) -> None:
        sentence = real_sentence(archive[OWEN_PREDICTION], "victory for the Merseysiders")
        ask = read_question("What score did the former striker predict for the final?")
        assert ask is not None
        assert [c.text for c in find_candidates(sentence, ask)] == ["3-1", "3-0"]

    def test_a_count_is_no_score(self, archive: dict[str, str]) -> None:
        sentence = real_sentence(archive[OWEN_PREDICTION], "with 15 goals")
        ask = read_question("What score did the former striker predict for the final?")
        assert ask is not None
        assert find_candidates(sentence, ask) == []

    def test_a_count_question_still_reads_the_numbers(self, archive: dict[str, str]) -> None:
        sentence = real_sentence(archive[OWEN_PREDICTION], "with 15 goals")
        ask = read_question("How many goals did the tournament's top scorer score?")
        assert ask is not None
        assert "15 goals" in [c.text for c in find_candidates(sentence, ask)]
