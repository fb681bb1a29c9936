"""Form widgets shared by the apps."""

from __future__ import annotations

from django import forms

from opendvc.core.quoting import page_in_vietnamese


class VietnameseDataSelect(forms.Select):
    """A select whose options name Vietnamese data (agencies, places): on a page in another language
    each option with a value is marked ``lang="vi"`` (WCAG 2.1, 3.1.2 Language of Parts)."""

    def create_option(self, *args, **kwargs):
        option = super().create_option(*args, **kwargs)
        if option["value"] not in ("", None) and not page_in_vietnamese():
            option["attrs"]["lang"] = "vi"
        return option
