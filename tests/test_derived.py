"""Derived files are generated from knowledge/ and must not drift."""

import yaml

from bot.knowledge import derive
from bot.knowledge.loader import load_lexicon, response_key


def test_derived_files_are_current():
    stale = derive.stale()
    assert stale == [], f"run `make kb-build`: {stale}"


def test_training_data_holds_every_question_once(kb):
    data = yaml.safe_load(derive.render_nlu(kb))
    examples = {item["intent"]: [line[2:] for line in item["examples"].splitlines()] for item in data["nlu"]}
    for entry in kb:
        key = response_key(entry)
        assert examples[key] == [" ".join(q.split()) for q in entry.questions.all()]
        assert data["responses"][f"utter_{key}"] == [{"text": entry.answer}]


def test_jieba_dictionary_keeps_place_names_whole():
    dictionary = derive.render_jieba_dict(load_lexicon())
    for place in ("海流图镇", "川井苏木", "新忽热苏木", "呼勒斯太苏木"):
        assert f"{place} ns" in dictionary.splitlines()
    assert "宅基地 n" in dictionary.splitlines()


def test_jieba_keeps_every_lexicon_word_whole():
    import jieba

    from bot import paths

    tokenizer = jieba.Tokenizer()
    tokenizer.load_userdict(str(paths.jieba_dict_file()))
    lexicon = load_lexicon()
    words = [w for category, ws in lexicon.items() if category != "village_suffixes" for w in ws]
    assert len(words) >= 250  # the dictionary grows with the knowledge base
    assert [w for w in words if list(tokenizer.cut(w)) != [w]] == []
    # short forms of the Banner's towns and sumu are kept whole as well
    assert list(tokenizer.cut("我是海流图的"))[:3] == ["我", "是", "海流图"]
    assert "川井 ns" in derive.render_jieba_dict(lexicon).splitlines()


def test_typos_segment_like_the_term():
    import jieba

    from bot import paths

    tokenizer = jieba.Tokenizer()
    tokenizer.load_userdict(str(paths.jieba_dict_file()))
    assert "宅基的" in list(tokenizer.cut("我家宅基的被占了"))
    assert "炸骗" in list(tokenizer.cut("遇到炸骗咋办"))
