from bot.knowledge.legal import parse_articles, split_basis


def test_parse_articles_keeps_paragraphs():
    text = "# 法\n\n- 简称：法\n\n### 第1条\n\n第一段。\n\n第二段。\n\n### 第2之一条\n\n另一条。\n"
    assert parse_articles(text) == {"第1条": ("第一段。", "第二段。"), "第2之一条": ("另一条。",)}


def test_split_basis_names_law_and_article():
    assert split_basis("土地管理法第62条") == ("土地管理法", "第62条")
    assert split_basis("刑法第224之一条") == ("刑法", "第224之一条")
    assert split_basis("国办发〔1999〕39号") is None


def test_quote_must_sit_inside_one_paragraph(corpus):
    assert corpus.quote_matches("土地管理法", "第62条", "农村村民一户只能拥有一处宅基地")
    # Two paragraphs joined are not a quote of either.
    first, second = corpus.laws["土地管理法"].articles["第62条"][:2]
    assert not corpus.quote_matches("土地管理法", "第62条", first[-5:] + second[:5])
    assert not corpus.has_article("土地管理法", "第999条")
