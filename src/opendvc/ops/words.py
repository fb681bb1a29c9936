"""The words of the automatic incidents: the service each health check watches (as a citizen would
notice it, shown on the status page), and what ``services.incidents_from_checks`` writes, in
Vietnamese like every record. ``automatic_words`` says them in the page's language. Apart from the
checks, which import the peers and the broker, so that the models can use it."""

from __future__ import annotations

import re

from django.utils import translation
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

CHECK_LABELS = {
    "database": _("Toàn bộ cổng dịch vụ công"),
    "redis": _("Bộ nhớ đệm và hàng đợi"),
    "storage": _("Tải lên và tải về tệp hồ sơ"),
    "broker": _("Xử lý nền (gửi thông báo, đồng bộ)"),
    "notification_backlog": _("Gửi thông báo qua thư điện tử"),
    "mail": _("Gửi thông báo qua thư điện tử"),
    "certificates": _("Kết nối an toàn (HTTPS)"),
    "outbox": _("Liên thông hồ sơ với Cổng DVC quốc gia, phần mềm một cửa và tin nhắn SMS"),
}
# An automatic incident's title, and its first and last updates.
INCIDENT_TITLE = gettext_noop("Gián đoạn: %(service)s")
CHECK_FAILED = gettext_noop("Kiểm tra tự động “%(check)s” không đạt: %(detail)s")
CHECK_PASSES = gettext_noop("Kiểm tra tự động đã đạt trở lại (%(detail)s).")


def _stored(template: str) -> re.Pattern[str]:
    """``template`` as written, its ``%(name)s`` fields as named groups."""
    parts = re.split(r"%\((\w+)\)s", template)
    return re.compile(
        "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts)),
        re.S,
    )


_STORED = [(_stored(t), t) for t in (INCIDENT_TITLE, CHECK_FAILED, CHECK_PASSES)]


def automatic_words(stored: str) -> tuple[str, bool]:
    """A text an automatic incident was written with (its title, an affected service, an update) in
    the page's language, and whether it is said in it; any other text (what staff typed) is returned
    as it is, with False. The check's own detail stays as the check gave it."""
    with translation.override("vi"):
        labels = {str(label): label for label in CHECK_LABELS.values()}
    if stored in labels:
        return str(labels[stored]), True
    for pattern, template in _STORED:
        found = pattern.fullmatch(stored or "")
        if found is None:
            continue
        values = found.groupdict()
        if "service" in values:
            if values["service"] not in labels:
                return stored, False
            values["service"] = str(labels[values["service"]])
        return gettext(template) % values, True
    return stored, False
