"""Entries that share words but differ in answer (docs/knowledge-format.md, "Neighbouring
entries"): a question on each side, written for this test, goes to its own side.
"""

from __future__ import annotations

import pytest

from bot.knowledge.check import is_copy, load_dev_texts, normalise_for_copy
from bot.launcher import meta_of

pytestmark = pytest.mark.server

PAIRS = [
    ("隔壁把院墙往我家这边挪了半米咋办", "HS08"),
    ("邻居家的网围栏圈进了我家草场", "GL05"),
    ("我爸走了，老宅子我能继承不", "HS06"),
    ("我爸走了，他承包的草场我能接着放牧不", "GL09"),
    ("我离婚了，娘家村里还给我留宅基地吗", "HS14"),
    ("离婚后草场承包权还有我的份吗", "GL08"),
    ("村里要收回我家的空院子", "HS10"),
    ("嘎查要把我家草场收回去重新分", "GL07"),
    ("修高速要拆我家房子，给多少补偿", "HS12"),
    ("开矿征了我家草场怎么补偿", "GL13"),
    ("煤矿的污水把草场弄坏了找谁赔", "GL15"),
    ("草场纠纷申请仲裁有没有期限", "GL06"),
    ("欠钱不还过了几年就不能告了", "SV05"),
    ("有个自称公安的打电话让我转钱，我没转", "EF04"),
    ("前几天上当转了钱，要先找银行还是先报警", "EF07"),
    ("上个月被骗的钱还能要回来吗", "EF08"),
    ("村里的法律顾问是谁怎么联系", "SV03"),
]
OTHERS = [
    ("刚才有人打电话说我儿子出事了让我马上转钱", "emergency"),
    ("我刚转了两万块给对方，现在咋办", "emergency"),
    ("请人联系我", "handoff"),
]


def test_the_questions_are_unseen(kb):
    trained = {normalise_for_copy(q) for entry in kb for q in entry.questions.all()}
    dev = load_dev_texts()
    for text, _ in PAIRS + OTHERS:
        assert normalise_for_copy(text) not in trained, text
        assert not any(is_copy(text, d) for d in dev), text


@pytest.mark.parametrize(("text", "expected"), PAIRS, ids=[e for _, e in PAIRS])
def test_each_side_gets_its_own_answer(assistant, text, expected):
    meta = meta_of(assistant.ask(text, sender=f"pair-{expected}"))
    assert meta["outcome"] == "answered" and meta["answer_id"] == expected, meta


@pytest.mark.parametrize(("text", "expected"), OTHERS, ids=[e for _, e in OTHERS])
def test_emergency_and_hand_off_are_not_answers(assistant, text, expected):
    meta = meta_of(assistant.ask(text, sender=f"other-{abs(hash(text))}"))
    assert meta["intent"] == expected, meta
