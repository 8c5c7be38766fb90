from bot.knowledge.schema import VILLAGER_STEPS_MAX
from bot.replies import (
    BASIS_LINE_MAX,
    basis_line,
    emergency_reply,
    suggestion_list,
    topic_entries,
    topic_menu,
    understander_answer,
    villager_answer,
)
from bot.reply_meta import is_reply_meta, reply_meta


def test_villager_reply_is_answer_steps_and_one_line_basis(kb):
    entry = kb.entries["HS01"]
    text = villager_answer(entry)
    assert text.startswith(entry.answer)
    assert all(step in text for step in entry.next_steps[:VILLAGER_STEPS_MAX])
    assert "依据：《民法典》第362条" in text
    assert "宅基地使用权人依法对集体所有的土地" not in text  # no article text for villagers


def test_villager_reply_keeps_only_the_first_steps(kb):
    entry = kb.entries["HS04"]
    assert len(entry.next_steps) > VILLAGER_STEPS_MAX
    assert entry.next_steps[-1] not in villager_answer(entry)


def test_basis_line_is_short(kb):
    for entry in kb:
        line = basis_line(entry)
        assert line.count("《") <= BASIS_LINE_MAX and "\n" not in line


def test_understander_reply_has_every_section_and_the_article_text(kb, corpus):
    entry = kb.entries["HS01"]
    text = understander_answer(entry, corpus)
    for section in (
        "【简明回答】",
        "【法律依据】",
        "【朗读稿】",
        "【问一句】",
        "【要带的材料】",
        "【去哪办】",
    ):
        assert section in text
    assert entry.citations[0].quote in text
    assert entry.script.explain in text and entry.script.ask_back in text and entry.script.then in text


def test_emergency_reply_starts_with_ef07_and_repeats_the_amount(kb):
    entry = kb.entries["EF07"]
    text = emergency_reply(entry, "两万块")
    assert "两万块" in text.splitlines()[0]
    assert "110" in text and "96110" in text and "止付" in text
    assert "涉及" not in emergency_reply(entry, None)


def test_menus_are_numbered_plain_text(kb):
    menu, options = topic_menu(kb)
    assert menu.splitlines()[0].startswith("1. 宅基地")
    assert options[0] == "topic:homestead" and len(options) == 4
    text, ids = topic_entries(kb, "homestead")
    assert ids[0] == "HS01" and "1. " + kb.entries["HS01"].title in text
    assert suggestion_list(kb, ["HS02", "GL01"]).splitlines()[1].startswith("2. ")


def test_reply_meta_contract():
    meta = reply_meta("HS01", "answered", "ask_homestead", 0.87654)
    assert meta == {
        "answer_id": "HS01",
        "outcome": "answered",
        "intent": "ask_homestead",
        "confidence": 0.8765,
    }
    assert is_reply_meta(meta)
    assert not is_reply_meta({"outcome": "answered"})
    assert not is_reply_meta("text")
