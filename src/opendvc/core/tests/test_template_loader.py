"""The template loader's constant tags: each renders what Django's tag renders, in every language,
under every script prefix and URL configuration, after any change of settings; tags with a variable
render as before."""

from __future__ import annotations

import pytest
from django.template import engines
from django.template.base import Template as DjangoTemplate
from django.template.defaulttags import URLNode
from django.templatetags.i18n import TranslateNode
from django.templatetags.static import StaticNode
from django.test import override_settings
from django.urls import set_script_prefix
from django.utils import translation

from opendvc.core import template_loader
from opendvc.core.template_loader import (
    ConstantStaticNode,
    ConstantTranslateNode,
    ConstantURLNode,
    remember_constant_tags,
)

SOURCE = (
    "{% load i18n static %}"
    '{% translate "Trang chủ" %}|{% translate "Hỏi đáp" as qa %}{{ qa }}|'
    "{% url 'catalog:list' %}|{% static 'css/portal.css' %}|"
    "{% translate name %}|{% url view_name %}|"
    "{% for i in items %}{% translate 'Đăng nhập' %}{% endfor %}|"
    "{% if flag %}{% url 'dossiers:lookup' as lookup %}{{ lookup }}{% endif %}"
)


def _template():
    engine = engines["django"].engine
    template = DjangoTemplate(SOURCE, engine=engine)
    return template, remember_constant_tags(template)


def _render(template, **context):
    from django.template import Context

    base = {"name": "Hỏi đáp", "view_name": "catalog:list", "items": [1, 2], "flag": True}
    return template.render(Context({**base, **context}))


def test_only_tags_with_literal_arguments_are_turned():
    template, turned = _template()
    kinds = [type(n) for n in template.nodelist.get_nodes_by_type((TranslateNode, URLNode, StaticNode))]
    assert turned == 6
    assert kinds.count(ConstantTranslateNode) == 3  # the literal ones, the loop's included
    assert kinds.count(ConstantURLNode) == 2  # the branch's included
    assert kinds.count(ConstantStaticNode) == 1
    assert kinds.count(TranslateNode) == kinds.count(URLNode) == 1  # {% translate name %}, {% url view_name %}


def test_each_language_gets_its_own_words_in_any_order():
    template, _ = _template()
    plain = DjangoTemplate(SOURCE, engine=engines["django"].engine)
    for language in ["vi", "en", "vi", "en", "en", "vi"]:
        with translation.override(language):
            assert _render(template) == _render(plain)
    with translation.override("en"):
        out = _render(template)
    assert out.startswith("Home|")
    assert "Sign in" in out or "Log in" in out


def test_variables_still_follow_the_context():
    template, _ = _template()
    with translation.override("en"):
        assert _render(template, name="Trang chủ").split("|")[4] == "Home"
        assert _render(template, name="Hỏi đáp").split("|")[4] != "Home"


def test_urls_follow_the_script_prefix_and_the_url_configuration():
    template, _ = _template()
    plain = DjangoTemplate(SOURCE, engine=engines["django"].engine)
    try:
        for prefix in ["/", "/dvc/", "/"]:
            set_script_prefix(prefix)
            assert _render(template) == _render(plain)
            assert _render(template).split("|")[2].startswith(prefix)
    finally:
        set_script_prefix("/")


def test_a_change_of_settings_forgets_what_was_remembered():
    template, _ = _template()
    before = _render(template).split("|")[3]
    with override_settings(STATIC_URL="/tinh/"):
        assert _render(template).split("|")[3] == "/tinh/css/portal.css"
    assert _render(template).split("|")[3] == before


def test_what_is_kept_per_tag_is_bounded():
    template, _ = _template()
    node = next(n for n in template.nodelist if isinstance(n, ConstantURLNode))
    try:
        for i in range(100):
            set_script_prefix(f"/p{i}/")
            _render(template)
    finally:
        set_script_prefix("/")
    assert len(node._memo[1]) <= template_loader._MAX_KEYS


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["vi", "en"])
def test_pages_render_as_with_django_s_own_loader(client, language, settings):
    """The portal's frame through the loader as configured, against Django's cached loader."""
    response = client.get("/hoi-dap/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    settings.TEMPLATES = [
        {
            **settings.TEMPLATES[0],
            "OPTIONS": {
                **settings.TEMPLATES[0]["OPTIONS"],
                "loaders": [
                    (
                        "django.template.loaders.cached.Loader",
                        [
                            "django.template.loaders.filesystem.Loader",
                            "django.template.loaders.app_directories.Loader",
                        ],
                    )
                ],
            },
        }
    ]
    again = client.get("/hoi-dap/", HTTP_ACCEPT_LANGUAGE=language)
    assert again.status_code == 200

    def strip(html: bytes) -> bytes:
        import re

        return re.sub(rb"[A-Za-z0-9]{64}", b"TOKEN", re.sub(rb'nonce="[^"]*"', b"", html))

    assert strip(response.content) == strip(again.content)


def test_the_configured_loader_turns_the_frame():
    engine = engines["django"].engine
    template = engine.get_template("base.html")
    turned = template.nodelist.get_nodes_by_type((ConstantTranslateNode, ConstantURLNode, ConstantStaticNode))
    assert len(turned) > 10


def _engine_template(source):
    template = DjangoTemplate(source, engine=engines["django"].engine)
    remember_constant_tags(template)
    return template


def test_the_language_tag_is_followed_inside_and_after_its_block():
    source = (
        '{% load i18n language %}{% translate "Trang chủ" %}|{% vi %}|'
        '{% language "en" %}{% translate "Trang chủ" %}|{% vi %}{% endlanguage %}|'
        '{% translate "Trang chủ" %}|{% vi %}'
    )
    template = _engine_template(source)
    for language in ["vi", "en", "vi"]:
        with translation.override(language):
            out = _render(template).split("|")
        first = "Trang chủ" if language == "vi" else "Home"
        lang = "" if language == "vi" else ' lang="vi"'
        assert out == [first, lang, "Home", ' lang="vi"', first, lang]


def test_language_only_tags_are_kept_per_language():
    from opendvc.core.template_loader import ConstantSimpleNode

    template = _engine_template("{% load language %}<p{% vi %}>x</p>{% vi as mark %}[{{ mark }}]")
    assert len(template.nodelist.get_nodes_by_type(ConstantSimpleNode)) == 2
    for language, mark in [("en", ' lang="vi"'), ("vi", ""), ("en", ' lang="vi"')]:
        with translation.override(language):
            assert _render(template) == f"<p{mark}>x</p>[{mark}]"


def test_a_base_template_s_blocks_are_mapped_once_and_overridden_as_before(tmp_path, settings):
    from django.template import Context, Engine

    (tmp_path / "root.html").write_text("[{% block a %}root-a{% endblock %}|{% block b %}root-b{% endblock %}]")
    (tmp_path / "middle.html").write_text('{% extends "root.html" %}{% block b %}middle-b{% endblock %}')
    (tmp_path / "leaf.html").write_text('{% extends "middle.html" %}{% block a %}leaf-a {{ block.super }}{% endblock %}')
    engine = Engine(
        dirs=[str(tmp_path)],
        loaders=[("opendvc.core.template_loader.Loader", ["django.template.loaders.filesystem.Loader"])],
    )
    for _ in range(3):
        assert engine.get_template("leaf.html").render(Context()) == "[leaf-a root-a|middle-b]"
        assert engine.get_template("middle.html").render(Context()) == "[root-a|middle-b]"
    assert engine.get_template("root.html")._root_blocks.keys() == {"a", "b"}
    assert engine.get_template("middle.html")._root_blocks == {}  # not the root: its own extends
