"""The custom Rasa NLU components, trained and run on small data without a full model."""

from __future__ import annotations

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.answer_selector import KnowledgeAnswerSelector
from bot.nlu.intent_classifier import TfidfIntentClassifier
from bot.nlu.intent_overrides import IntentOverrides, decide_override
from bot.nlu.pinyin_featurizer import PinyinFeaturizer
from bot.nlu.spacy_entities import SpacyRuleEntityExtractor


@pytest.fixture()
def storage(tmp_path):
    return LocalModelStorage(tmp_path)


@pytest.fixture()
def context():
    return ExecutionContext(GraphSchema({}), "node")


@pytest.fixture(scope="module")
def tokenizer():
    return JiebaTokenizer(
        {**JiebaTokenizer.get_default_config(), "dictionary_path": "data/jieba"}, None, None
    )


def message(text, tokenizer, **data):
    msg = Message(data={"text": text, **data})
    tokenizer.process([msg])
    return msg


def training_data(tokenizer):
    examples = [
        ("宅基地归谁所有", "ask_homestead/HS01"),
        ("宅基地是集体的吗", "ask_homestead/HS01"),
        ("农村宅基地属于谁", "ask_homestead/HS01"),
        ("草场承包期多少年", "ask_grassland/GL02"),
        ("草场承包到期怎么办", "ask_grassland/GL02"),
        ("草原承包三十年还是五十年", "ask_grassland/GL02"),
        ("被骗了赶紧报警", "ask_elder_fraud/EF07"),
        ("诈骗转账后找银行冻结", "ask_elder_fraud/EF07"),
        ("被诈骗了钱怎么止付", "ask_elder_fraud/EF07"),
    ]
    messages = []
    for text, key in examples:
        msg = Message.build(text=text, intent=key)
        tokenizer.process_training_data(TrainingData([msg]))
        messages.append(msg)
    data = TrainingData(
        messages,
        responses={f"utter_{k}": [{"text": f"answer {k}"}] for _, k in examples},
    )
    return data


def test_pinyin_features_make_homophones_alike(storage, context, tokenizer):
    config = {**PinyinFeaturizer.get_default_config()}
    featurizer = PinyinFeaturizer.create(config, storage, Resource("pinyin"), context)
    featurizer.train(training_data(tokenizer))
    loaded = PinyinFeaturizer.load(config, storage, Resource("pinyin"), context)
    right, typo = message("诈骗转账", tokenizer), message("炸骗转账", tokenizer)
    loaded.process([right, typo])
    seq_right, sent_right = right.get_sparse_features("text")
    seq_typo, sent_typo = typo.get_sparse_features("text")
    assert seq_right.features.shape[0] == len(right.get("text_tokens"))
    assert (sent_right.features != sent_typo.features).nnz == 0
    assert sent_right.features.nnz > 0


def test_spacy_rule_entities_in_the_pipeline(storage, context, tokenizer):
    config = {**SpacyRuleEntityExtractor.get_default_config()}
    extractor = SpacyRuleEntityExtractor.create(config, storage, Resource("ents"), context)
    extractor.train(TrainingData())
    loaded = SpacyRuleEntityExtractor.load(config, storage, Resource("ents"), context)
    msg = message("我是新忽热苏木巴音嘎查的，上个月被骗了两万块", tokenizer)
    loaded.process([msg])
    found = {(e["entity"], e["value"]) for e in msg.get("entities")}
    assert found == {
        ("place", "新忽热苏木"),
        ("village", "巴音嘎查"),
        ("elapsed_time", "上个月"),
        ("amount", "两万块"),
    }
    assert all(e["extractor"] == "SpacyRuleEntityExtractor" for e in msg.get("entities"))


@pytest.fixture()
def featurized(storage, context, tokenizer):
    """Training data with pinyin and character n-gram features, and a featurize() for new text."""
    from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer

    data = training_data(tokenizer)
    pinyin = PinyinFeaturizer.create(PinyinFeaturizer.get_default_config(), storage, Resource("py"), context)
    chars_config = {**CountVectorsFeaturizer.get_default_config(), "analyzer": "char_wb", "max_ngram": 3}
    chars = CountVectorsFeaturizer.create(chars_config, storage, Resource("cv"), context)
    for featurizer in (pinyin, chars):
        featurizer.train(data)
        featurizer.process_training_data(data)

    def featurize(text):
        msg = message(text, tokenizer)
        pinyin.process([msg])
        chars.process([msg])
        return msg

    return data, featurize


def test_answer_selector_writes_a_response_selector_ranking(storage, context, featurized):
    data, featurize = featurized
    config = {**KnowledgeAnswerSelector.get_default_config()}
    selector = KnowledgeAnswerSelector.create(config, storage, Resource("answers"), context)
    selector.train(data)
    loaded = KnowledgeAnswerSelector.load(config, storage, Resource("answers"), context)
    msg = featurize("草场承包期到底是多少年")
    loaded.process([msg])
    default = msg.get("response_selector")["default"]
    assert default["response"]["intent_response_key"] == "ask_grassland/GL02"
    assert default["response"]["responses"] == [{"text": "answer ask_grassland/GL02"}]
    ranking = default["ranking"]
    assert ranking[0]["intent_response_key"] == "ask_grassland/GL02"
    assert ranking[0]["confidence"] > ranking[1]["confidence"]
    assert sorted(msg.get("response_selector")["all_retrieval_intents"]) == [
        "ask_elder_fraud",
        "ask_grassland",
        "ask_homestead",
    ]


def test_intent_classifier_ranks_base_intents(storage, context, featurized):
    data, featurize = featurized
    config = {**TfidfIntentClassifier.get_default_config()}
    TfidfIntentClassifier.create(config, storage, Resource("intents"), context).train(data)
    loaded = TfidfIntentClassifier.load(config, storage, Resource("intents"), context)
    msg = featurize("被炸骗了咋办")
    loaded.process([msg])
    assert msg.get("intent")["name"] == "ask_elder_fraud"
    assert [r["name"] for r in msg.get("intent_ranking")][1:] in (
        ["ask_grassland", "ask_homestead"],
        ["ask_homestead", "ask_grassland"],
    )


RANKING = [{"name": "ask_elder_fraud", "confidence": 0.8}, {"name": "emergency", "confidence": 0.1}]


@pytest.mark.parametrize(
    ("text", "ranking", "expected"),
    [
        ("我刚被骗转了两万块", RANKING, ("emergency", "emergency_phrases")),
        (
            "骗子那边",
            [{"name": "ask_elder_fraud", "confidence": 0.6}, {"name": "emergency", "confidence": 0.35}],
            ("emergency", "emergency_classifier"),
        ),
        ("2", RANKING, ("choose_option", "numbered_choice")),
        ("找人", RANKING, ("handoff", "handoff_keyword")),
        ("asdfgh", RANKING, ("out_of_scope", "gibberish")),
        ("有人打电话说是公安让转钱是真的吗", RANKING, None),
        (
            "110和12348有啥区别",
            [{"name": "choose_option", "confidence": 0.9}, {"name": "ask_service", "confidence": 0.1}],
            ("ask_service", "not_a_choice"),
        ),
    ],
)
def test_intent_overrides(text, ranking, expected):
    assert decide_override(text, ranking, 0.3) == expected


def test_intent_override_component_rewrites_intent_and_ranking():
    component = IntentOverrides(IntentOverrides.get_default_config())
    msg = Message(
        data={"text": "对方还在电话上让我转安全账户", "intent": RANKING[0], "intent_ranking": list(RANKING)}
    )
    component.process([msg])
    assert msg.get("intent") == {"name": "emergency", "confidence": 1.0}
    assert [r["name"] for r in msg.get("intent_ranking")] == ["emergency", "ask_elder_fraud"]
    assert msg.get("intent_override") == "emergency_phrases"


def test_text_cleaner_simplifies_and_strips_emoji_at_run_time_and_in_training():
    from bot.nlu.text_cleaner import TextCleaner

    cleaner = TextCleaner()
    msg = Message(data={"text": "👍🏻宅基地被鄰居佔了，怎麼辦？"})
    cleaner.process([msg])
    assert msg.get("text") == "宅基地被邻居占了,怎么办?"
    example = Message.build(text="草場承包期多少年", intent="ask_grassland")
    annotated = Message.build(text="我是川井蘇木的😀", intent="inform")
    annotated.set("entities", [{"entity": "place", "start": 2, "end": 6, "value": "川井蘇木"}])
    cleaner.process_training_data(TrainingData([example, annotated]))
    assert example.get("text") == "草场承包期多少年"
    # Cleaning would move the annotated offsets (the emoji goes): the example stays as written.
    assert annotated.get("text") == "我是川井蘇木的😀"


def test_filler_filter_drops_whole_filler_tokens_only(tokenizer):
    from bot.nlu.text_cleaner import FillerTokenFilter

    voice = message("嗯那个就是说诈骗金额多少算犯罪啊", tokenizer)
    only_fillers = message("嗯嗯", tokenizer)
    FillerTokenFilter().process([voice, only_fillers])
    words = [t.text for t in voice.get("text_tokens")]
    assert words[:2] == ["诈骗", "金额"] and "嗯" not in words and "那个" not in words
    # Fillers only: the tokens stay (the gibberish rule declines such a message).
    assert "".join(t.text for t in only_fillers.get("text_tokens")) == "嗯嗯"


def test_long_message_is_also_read_by_its_last_clauses(storage, context, featurized):
    data, featurize = featurized
    config = {**KnowledgeAnswerSelector.get_default_config()}
    selector = KnowledgeAnswerSelector.create(config, storage, Resource("answers"), context)
    selector.train(data)
    story = "去年我家宅基地上的老房子翻修过一回，宅基地的事都弄清楚了，院子也收拾好了，现在就一件事想问：被诈骗了钱怎么止付"
    whole = featurize(story)
    selector.process([whole])
    ranking = whole.get("response_selector")["default"]["ranking"]
    assert ranking[0]["intent_response_key"] == "ask_elder_fraud/EF07"


def test_answers_are_weighed_by_the_topic_classifier():
    from bot.nlu.answer_selector import weigh_by_topic

    keys = {"HS06": "ask_homestead/HS06", "GL09": "ask_grassland/GL09", "EF08": "ask_elder_fraud/EF08"}
    ranked = [("HS06", 0.4), ("GL09", 0.35), ("EF08", 0.25)]
    intents = [{"name": "ask_grassland", "confidence": 0.9}, {"name": "ask_homestead", "confidence": 0.1}]
    weighed = dict(weigh_by_topic(ranked, keys, intents))
    # GL09 is the only grassland entry: p(GL09) = p(grassland) · 1.
    assert weighed["GL09"] == pytest.approx(0.9) and weighed["HS06"] == pytest.approx(0.1)
    assert weighed["EF08"] < 0.01  # a topic the intent ranking leaves out is nearly ruled out
    chit_chat = [{"name": "out_of_scope", "confidence": 0.8}, {"name": "ask_grassland", "confidence": 0.2}]
    assert dict(weigh_by_topic(ranked, keys, chit_chat))["GL09"] == pytest.approx(0.2)
    assert weigh_by_topic(ranked, keys, []) == ranked
