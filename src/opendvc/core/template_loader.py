"""Templates whose constant tags are worked out once per language, not at every render.

A page's frame alone (header, menu, footer) holds some thirty ``{% translate "…" %}``, a dozen
``{% url 'name' %}`` and a few ``{% static "…" %}`` tags whose arguments are all written in the
template. Django resolves each of them at every render: a lazy translation object, a walk of the URL
resolver, the static files manifest. With the caches off that was more than half of a plain page's
template time.

This loader is Django's cached loader (the default when ``DEBUG`` is off) plus one step after a
template is compiled: each such tag whose arguments are all literal remembers what it rendered, by
what that output depends on:

- a translation by the active language (and the autoescape setting);
- a URL by the active language, the script prefix, the URL configuration and the current
  application namespace, as ``reverse()`` reads them;
- a static file's address by nothing else (the storage is fixed for the process).

- a simple tag of the portal's own that depends only on the language (``@per_language``, such as
  ``{% vi %}``), by the language.

What is remembered is what the same tag would render again: it does not depend on data, users or
time, only on code and settings. Any change of settings (tests) forgets it all. Tags with a
variable or a filter among their arguments render as before.

The active language is read once per render (per ``Context``), not at each tag: a ``{% language %}``
block reads it again inside and after itself. Python code that switches the language in the middle
of a render (a template tag calling ``translation.override`` around part of the page) would have to
do the same; none does.

Also once per template instead of at every render: the map of a base template's blocks, which
Django's ``{% extends %}`` builds by walking the whole base template each time.
"""

from __future__ import annotations

from django.core.signals import setting_changed
from django.template.base import TextNode
from django.template.defaulttags import URLNode
from django.template.library import SimpleNode
from django.template.loader_tags import BLOCK_CONTEXT_KEY, BlockContext, BlockNode, ExtendsNode
from django.template.loaders import cached
from django.templatetags.i18n import LanguageNode, TranslateNode
from django.templatetags.static import StaticNode
from django.urls import get_script_prefix, get_urlconf
from django.utils.translation import get_language

# Bumped by any change of settings: every remembered output is then worked out again.
_generation = 0
# Outputs kept per tag at most (languages × script prefixes × URL configurations, a handful).
_MAX_KEYS = 32


def _settings_changed(**kwargs) -> None:
    global _generation
    _generation += 1


setting_changed.connect(_settings_changed, dispatch_uid="opendvc.core.template_loader")


def per_language(func):
    """Mark a simple tag without arguments whose output depends only on the active language: the
    loader's templates work it out once per language."""
    func.constant_per_language = True
    return func


def _language(context) -> str | None:
    """The active language, read once per render (``LanguageNode`` reads it again)."""
    try:
        return context._constant_language
    except AttributeError:
        language = context._constant_language = get_language()
        return language


def _constant(expression) -> bool:
    """A filter expression written as a literal, without filters."""
    return expression is not None and not expression.is_var and not expression.filters


class _Remembered:
    """Mixin of a tag node that keeps its rendered output by ``_key(context)`` (by default the
    language and autoescape). ``_target``: the attribute naming the node's ``as`` variable."""

    _target = "asvar"

    def _key(self, context):
        return (_language(context), context.autoescape)

    def render(self, context):
        key = self._key(context)
        target = getattr(self, self._target)
        memo = self.__dict__.get("_memo")
        if memo is None or memo[0] != _generation:
            memo = self.__dict__["_memo"] = (_generation, {})
        outputs = memo[1]
        try:
            output = outputs[key]
        except KeyError:
            rendered = super().render(context)
            output = context[target] if target else rendered
            if len(outputs) >= _MAX_KEYS:
                outputs.clear()
            outputs[key] = output
        if target:
            context[target] = output
            return ""
        return output


class ConstantTranslateNode(_Remembered, TranslateNode):
    @staticmethod
    def applies(node) -> bool:
        expression = node.filter_expression
        return (
            getattr(expression.var, "literal", None) is not None
            and not expression.filters
            and (node.message_context is None or _constant(node.message_context))
        )


class ConstantURLNode(_Remembered, URLNode):
    def _key(self, context):
        request = getattr(context, "request", None)
        current_app = getattr(request, "current_app", None)
        if current_app is None:
            current_app = getattr(getattr(request, "resolver_match", None), "namespace", None)
        return (_language(context), get_script_prefix(), get_urlconf(), current_app, context.autoescape)

    @staticmethod
    def applies(node) -> bool:
        return (
            _constant(node.view_name)
            and all(_constant(arg) for arg in node.args)
            and all(_constant(value) for value in node.kwargs.values())
        )


class ConstantStaticNode(_Remembered, StaticNode):
    _target = "varname"

    def _key(self, context):
        return context.autoescape

    @staticmethod
    def applies(node) -> bool:
        return _constant(node.path)


class ConstantSimpleNode(_Remembered, SimpleNode):
    _target = "target_var"

    @staticmethod
    def applies(node) -> bool:
        return (
            getattr(node.func, "constant_per_language", False)
            and not node.takes_context
            and not node.args
            and not node.kwargs
        )


class ReadingLanguageNode(LanguageNode):
    """``{% language %}``: the language is read again inside the block, and again after it."""

    def render(self, context):
        outside = context.__dict__.pop("_constant_language", None)
        try:
            return super().render(context)
        finally:
            context.__dict__.pop("_constant_language", None)
            if outside is not None:
                context._constant_language = outside

    @staticmethod
    def applies(node) -> bool:
        return True


class BlocksKeptExtendsNode(ExtendsNode):
    """``{% extends %}`` whose base template's map of blocks is made once per template."""

    def render(self, context):
        compiled_parent = self.get_parent(context)
        if BLOCK_CONTEXT_KEY not in context.render_context:
            context.render_context[BLOCK_CONTEXT_KEY] = BlockContext()
        block_context = context.render_context[BLOCK_CONTEXT_KEY]
        block_context.add_blocks(self.blocks)
        blocks = compiled_parent.__dict__.get("_root_blocks")
        if blocks is None:
            # As ExtendsNode.render: a base template without an {% extends %} of its own (the root)
            # gives its blocks too; its first node that is not text tells.
            blocks = {}
            for node in compiled_parent.nodelist:
                if not isinstance(node, TextNode):
                    if not isinstance(node, ExtendsNode):
                        blocks = {
                            n.name: n for n in compiled_parent.nodelist.get_nodes_by_type(BlockNode)
                        }
                    break
            compiled_parent._root_blocks = blocks
        if blocks:
            block_context.add_blocks(blocks)
        with context.render_context.push_state(compiled_parent, isolated_context=False):
            return compiled_parent._render(context)

    @staticmethod
    def applies(node) -> bool:
        return True


_REPLACEMENTS = {
    TranslateNode: ConstantTranslateNode,
    URLNode: ConstantURLNode,
    StaticNode: ConstantStaticNode,
    SimpleNode: ConstantSimpleNode,
    LanguageNode: ReadingLanguageNode,
    ExtendsNode: BlocksKeptExtendsNode,
}


def remember_constant_tags(template) -> int:
    """Turn the constant tags of a compiled template (its blocks, loops and branches included) into
    ones that remember their output, and its ``{% language %}`` and ``{% extends %}`` tags into the
    ones above; returns how many were turned."""
    turned = 0
    for node in template.nodelist.get_nodes_by_type(tuple(_REPLACEMENTS)):
        replacement = _REPLACEMENTS.get(type(node))
        if replacement is not None and replacement.applies(node):
            node.__class__ = replacement
            turned += 1
    return turned


class Loader(cached.Loader):
    """Django's cached template loader; each template's constant tags remember their output."""

    def get_template(self, template_name, skip=None):
        template = super().get_template(template_name, skip)
        if not getattr(template, "_constant_tags", False):
            remember_constant_tags(template)
            template._constant_tags = True
        return template
