"""Small rule modules: gibberish, numbered picks, feedback polarity, emergency phrases."""

import pytest

from bot.choices import parse_choice
from bot.emergency import is_emergency
from bot.feedback import NOT_USEFUL, USEFUL, polarity
from bot.text import is_gibberish, normalise, without_fillers


def test_normalise_full_width_and_spaces():
    assert normalise("ＡＢＣ　１２３  宅基地") == "ABC 123 宅基地"


def test_fillers_are_dropped():
    assert without_fillers("嗯那个就是说宅基地") == "宅基地"


@pytest.mark.parametrize("text", ["asdfjkl", "。。。。。", "嗯嗯啊啊那个那个", "1234567", "😀😀", "   "])
def test_gibberish(text):
    assert is_gibberish(text)


@pytest.mark.parametrize("text", ["1", "宅基地", "ok", "草场 承包"])
def test_not_gibberish(text):
    assert not is_gibberish(text)


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("1", 1),
        ("２", 2),
        ("第二个", 2),
        ("选3", 3),
        ("我问的是第三个", 3),
        ("头一个", 1),
        ("3号", 3),
        ("就是2", 2),
    ],
)
def test_parse_choice(text, number):
    assert parse_choice(text) == number


@pytest.mark.parametrize("text", ["1234567", "二手房", "宅基地", "第二个问题是宅基地能不能卖"])
def test_not_a_choice(text):
    assert parse_choice(text) is None


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("有用", USEFUL),
        ("1", USEFUL),
        ("没用", NOT_USEFUL),
        ("2", NOT_USEFUL),
        ("答非所问", NOT_USEFUL),
        ("说得对，明白了", USEFUL),
    ],
)
def test_feedback_polarity(text, value):
    assert polarity(text) == value


def test_feedback_polarity_unknown():
    assert polarity("嗯") is None


@pytest.mark.parametrize(
    "text",
    [
        "我刚给骗子转了三万块，怎么办",
        "对方还在电话上，叫我把钱转到安全账户",
        "救命 有人冒充警察要我的钱",
        "刚把验证码告诉人家了 卡里钱没了",
        "骗子正跟我视频 让我开屏幕共享",
    ],
)
def test_emergency_phrases(text):
    assert is_emergency(text)


@pytest.mark.parametrize(
    "text",
    [
        "要是被骗转了账该怎么办",
        "有人打电话说是公安让转安全账户，是真的吗",
        "怎么防范养老诈骗",
        "被骗的钱还能追回来吗",
        "宅基地归谁所有",
    ],
)
def test_not_emergency(text):
    assert not is_emergency(text)


def test_clean_traditional_width_and_emoji():
    from bot.text import clean, strip_emoji, to_simplified

    assert to_simplified("草場承包權還保留嗎") == "草场承包权还保留吗"
    assert to_simplified("宅基地归谁") == "宅基地归谁"
    assert strip_emoji("👨‍👩‍👧宅基地❤️👍🏻") == "宅基地"
    assert clean("ＷｉＦｉ　１２３㎡ 宅基地😂") == "WiFi 123m2 宅基地"
    assert clean("数额较大") == "数额较大"


def test_tail_of_a_long_message():
    from bot.focus import tail_start

    story = "我今年七十三了，老伴前几年走了，儿女都在外地打工，家里就我一个人，平时放几只羊。有些事情想不明白，我想问问：宅基地能不能给城里的儿子继承？"
    assert story[tail_start(story) :] == "我想问问：宅基地能不能给城里的儿子继承？"
    assert tail_start("宅基地能继承吗") is None
    voice = "我今年七十三了老伴前几年走了儿女都在外地打工家里就我一个人平时放几只羊冬天也不出门想问问宅基地能不能继承"
    assert len(voice) - tail_start(voice) == 20
