"""``core.text``: text no database keeps, found and cleaned at any depth of a JSON value."""

from opendvc.core.text import contains_unstorable, lone_surrogate, storable, unstorable


def test_what_is_not_storable_text():
    assert lone_surrogate("a\ud800") and lone_surrogate("\udfff")
    assert not lone_surrogate("Đồng Nai 😀") and not lone_surrogate("ascii")
    assert unstorable("a\x00b") and unstorable("\ud800") and not unstorable("Hồ sơ")
    assert contains_unstorable({"a": [{"b": "c\x00"}]})
    assert contains_unstorable({"k\ud800": 1})
    assert not contains_unstorable({"a": ["Việt", 1, None, {"b": 2.5}]})


def test_cleaned_keys_and_values_at_any_depth():
    value = {"a\x00": ["x\ud800y", {"b": "c\x00d"}], "n": 3}
    assert storable(value, nul="") == {"a": ["x\ufffdy", {"b": "cd"}], "n": 3}
    assert storable(value, nul="\\u0000") == {"a\\u0000": ["x\ufffdy", {"b": "c\\u0000d"}], "n": 3}
    assert storable("Đồng Nai", nul="") == "Đồng Nai"
