from bot.pinyin import fuzzy, ngrams, syllables


def names(text):
    return {name for _, name in ngrams(syllables(text))}


def test_one_syllable_per_chinese_character():
    sylls = syllables("宅基地2万块abc")
    assert [s.pinyin for s in sylls] == ["zhai", "ji", "di", "wan", "kuai"]
    assert [s.index for s in sylls] == [0, 1, 2, 4, 5]


def test_homophone_typos_share_the_features_of_the_right_word():
    assert names("炸骗") == names("诈骗")
    assert names("承报") == names("承包")
    assert "p2:zhai_ji" in names("宅基的") & names("宅基地")


def test_fuzzy_merges_sounds_often_confused():
    assert fuzzy("zhang") == "zan"
    assert fuzzy("shi") == "si"
    assert fuzzy("ling") == "nin"
    assert "f2:zan_ji" in names("张继") and "f2:zan_ji" in names("赞记")


def test_bigrams_cross_segmentation_boundaries():
    assert "p2:ji_di" in names("宅 鸡 地")
