import pytest

from bot.entity_rules import amount_from, build_nlp, extract, place_aliases, village_from
from bot.knowledge.loader import load_lexicon


@pytest.fixture(scope="module")
def nlp():
    lexicon = load_lexicon()
    return build_nlp(lexicon["towns"] + lexicon["sumu"] + lexicon["regions"])


def values(nlp, text, kind):
    return [e["value"] for e in extract(nlp, text) if e["entity"] == kind]


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("我是海流图镇的", "海流图镇"),
        ("家在乌加河镇", "乌加河镇"),
        ("德岭山镇那边", "德岭山镇"),
        ("石哈河镇的草场", "石哈河镇"),
        ("温更的老院子", "温更镇"),
        ("川井苏木", "川井苏木"),
        ("新忽热苏木的牧户", "新忽热苏木"),
        ("巴音乌兰苏木", "巴音乌兰苏木"),
        ("桑根达来苏木", "桑根达来苏木"),
        ("呼勒斯太苏木", "呼勒斯太苏木"),
    ],
)
def test_towns_and_sumu(nlp, text, place):
    assert values(nlp, text, "place") == [place]


def test_village_names_but_not_common_words(nlp):
    assert values(nlp, "我是新忽热苏木巴音嘎查的", "village") == ["巴音嘎查"]
    assert values(nlp, "住在红旗村", "village") == ["红旗村"]
    assert values(nlp, "我们村的法律明白人", "village") == []
    assert values(nlp, "农村宅基地", "village") == []


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("转了两万块", "两万块"),
        ("刚才转了3000元", "3000元"),
        ("借了三万多", "三万多"),
        ("被转走了八千", "八千"),
        ("五万块钱", "五万块钱"),
    ],
)
def test_amounts(nlp, text, amount):
    assert values(nlp, text, "amount") == [amount]


def test_no_amount_in_areas_or_years(nlp):
    assert values(nlp, "草场一万亩", "amount") == []
    assert values(nlp, "三年前", "amount") == []


@pytest.mark.parametrize(
    ("text", "elapsed"),
    [
        ("上个月在镇上", "上个月"),
        ("三年前批的", "三年前"),
        ("半个钟头前转的", "半个钟头前"),
        ("十几年前写的字据", "十几年前"),
        ("前天", "前天"),
    ],
)
def test_elapsed_time(nlp, text, elapsed):
    assert values(nlp, text, "elapsed_time") == [elapsed]


def test_helpers_for_handoff_and_emergency(nlp):
    entities = extract(nlp, "三年前新忽热苏木巴音嘎查的老人被骗了两万块")
    assert village_from(entities) == "新忽热苏木巴音嘎查"
    assert amount_from(entities) == "两万块"
    assert village_from([]) is None and amount_from([]) is None


def test_short_place_names_map_to_full_names():
    assert place_aliases(["温更镇", "川井苏木"]) == {
        "温更镇": "温更镇",
        "温更": "温更镇",
        "川井苏木": "川井苏木",
        "川井": "川井苏木",
    }
