from bot.pii import BANK_CARD, ID_CARD, PHONE, find_phone, hash_sender, mask


def test_masks_phone_numbers_as_typed_and_spoken():
    assert mask("我电话13912345678") == f"我电话{PHONE}"
    assert mask("电话 139 1234 5678 回我") == f"电话 {PHONE} 回我"
    assert mask("+86 138-1234-5678") == PHONE
    assert mask("座机0478-8123456") == f"座机{PHONE}"


def test_masks_id_and_bank_cards():
    assert mask("身份证15020319800101123X") == f"身份证{ID_CARD}"
    assert mask("身份证号150203198001011234，手机18647812345") == f"身份证号{ID_CARD}，手机{PHONE}"
    assert mask("卡号6222021234567890123") == f"卡号{BANK_CARD}"
    assert mask("卡号 6222 0212 3456 7890") == f"卡号 {BANK_CARD}"


def test_keeps_amounts_years_and_short_numbers():
    for text in ("转了5万块", "2024年", "3000元", "110", "12348", "第62条"):
        assert mask(text) == text


def test_find_phone_returns_digits():
    assert find_phone("我的电话是 139-1234-5678") == "13912345678"
    assert find_phone("+86 13812345678") == "13812345678"
    assert find_phone("不留") is None


def test_sender_hash_is_keyed_and_stable():
    a = hash_sender("wx-openid-1", b"salt")
    assert a == hash_sender("wx-openid-1", b"salt")
    assert a != hash_sender("wx-openid-1", b"other")
    assert "wx-openid-1" not in a and len(a) == 24
