from hypothesis import given
from hypothesis import strategies as st

from opendvc.catalog.text import fold, slug, tokens


def test_fold_removes_diacritics_and_d_bar():
    assert fold("Đăng ký khai sinh") == "dang ki khai sinh"
    assert fold("ĐỒNG NAI") == "dong nai"


def test_fold_treats_i_and_y_alike():
    assert fold("kí") == fold("ký") == fold("KY")
    assert fold("lý lịch tư pháp") == fold("lí lịch tư pháp")


def test_fold_turns_punctuation_controls_and_emoji_into_separators():
    assert fold("khai\x00sinh\t😀 (1.001193)") == "khai sinh 1 001193"
    assert fold("%_'; DROP TABLE--") == "drop table"
    assert fold(None) == ""


def test_tokens_are_distinct_in_order():
    assert tokens("khai sinh Khai SINH đăng") == ["khai", "sinh", "dang"]


def test_slug_keeps_y():
    assert slug("Đăng ký, quản lý cư trú") == "dang-ky-quan-ly-cu-tru"


@given(st.text())
def test_fold_is_idempotent_and_ascii(text):
    folded = fold(text)
    assert fold(folded) == folded
    assert all(ch == " " or ch.isascii() and ch.isalnum() for ch in folded)
    assert "y" not in folded
