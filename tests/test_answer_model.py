import jieba

from bot.answer_model import AnswerModel

QUESTIONS = [
    ("宅基地归谁所有", "HS01"),
    ("宅基地是集体的吗", "HS01"),
    ("宅基地是不是我家的", "HS01"),
    ("草场承包期多少年", "GL02"),
    ("草场承包到期了怎么办", "GL02"),
    ("草原承包三十年还是五十年", "GL02"),
    ("被骗了怎么报警", "EF07"),
    ("转账给骗子了怎么办", "EF07"),
    ("被骗转账后找银行冻结", "EF07"),
]


def fit():
    texts = [q for q, _ in QUESTIONS]
    return AnswerModel(30).fit(texts, [jieba.lcut(t) for t in texts], [e for _, e in QUESTIONS])


def test_ranks_entries_with_probabilities():
    ranking = fit().rank("宅基地归集体所有吗", jieba.lcut("宅基地归集体所有吗"))
    assert ranking[0][0] == "HS01"
    assert abs(sum(p for _, p in ranking) - 1.0) < 1e-6


def test_pinyin_view_tolerates_homophone_typos():
    assert fit().rank("草场成包期多少年", jieba.lcut("草场成包期多少年"))[0][0] == "GL02"
    assert fit().rank("被炸骗了咋报警", jieba.lcut("被炸骗了咋报警"))[0][0] == "EF07"


def test_save_and_load_round_trip(tmp_path):
    model = fit()
    model.save(tmp_path)
    loaded = AnswerModel.load(tmp_path)
    text = "承包的草场到期"
    assert loaded.rank(text, jieba.lcut(text)) == model.rank(text, jieba.lcut(text))
    assert not any(p.suffix == ".pkl" for p in tmp_path.iterdir())
