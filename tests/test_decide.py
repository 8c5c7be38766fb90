from bot.decide import Thresholds, candidates, decide, topic_intent


def parse(intent, intent_conf, answers, ranking=None, text="宅基地到底归谁所有"):
    return {
        "text": text,
        "intent": {"name": intent, "confidence": intent_conf},
        "intent_ranking": ranking or [{"name": intent, "confidence": intent_conf}],
        "response_selector": {
            "default": {
                "ranking": [
                    {"intent_response_key": f"ask_homestead/{i}", "confidence": c} for i, c in answers
                ]
            }
        },
    }


def test_candidates_are_sorted_entry_ids():
    data = parse("ask_homestead", 0.9, [("HS02", 0.2), ("HS01", 0.7)])
    assert [c.entry_id for c in candidates(data)] == ["HS01", "HS02"]


def test_confident_answer():
    decision = decide(parse("ask_homestead", 0.95, [("HS01", 0.8), ("HS02", 0.1)]))
    assert (decision.outcome, decision.answer_id) == ("answered", "HS01")


def test_answer_needs_its_own_confidence_not_only_the_intents():
    decision = decide(parse("ask_homestead", 0.99, [("HS01", 0.3), ("HS02", 0.25), ("HS03", 0.2)]))
    assert decision.outcome == "suggested"
    assert decision.options == ["HS01", "HS02", "HS03"]


def test_close_runner_up_means_suggest():
    decision = decide(parse("ask_homestead", 0.9, [("HS01", 0.48), ("HS02", 0.45)]))
    assert decision.outcome == "suggested" and decision.options[:2] == ["HS01", "HS02"]


def test_nothing_plausible_falls_back():
    assert decide(parse("ask_homestead", 0.9, [("HS01", 0.1), ("HS02", 0.09)])).outcome == "fallback"
    assert decide({"intent": {"name": "greet", "confidence": 1.0}}).outcome == "fallback"


def test_low_intent_confidence_can_still_suggest():
    ranking = [{"name": "nlu_fallback", "confidence": 0.4}, {"name": "ask_grassland", "confidence": 0.35}]
    data = parse("nlu_fallback", 0.4, [("GL01", 0.6), ("GL02", 0.1)], ranking)
    assert topic_intent(data) == ("ask_grassland", 0.35)
    assert decide(data).outcome == "suggested"


def test_thresholds_from_environment(monkeypatch):
    monkeypatch.setenv("ANSWER_THRESHOLD_ANSWER", "0.9")
    assert Thresholds.from_env().answer == 0.9


def test_a_bare_topic_word_gets_suggestions_not_an_answer():
    data = parse("ask_grassland", 0.99, [("GL05", 0.8), ("GL01", 0.1)], text="草场")
    assert decide(data).outcome == "suggested"
    assert (
        decide(parse("ask_grassland", 0.99, [("GL05", 0.8), ("GL01", 0.1)], text="嗯 草场边界")).outcome
        == "answered"
    )
