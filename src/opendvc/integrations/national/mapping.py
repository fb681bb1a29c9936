"""Our dossier states and channels as the national portal's codes: a data table (``NationalStatusMap``,
``NationalChannelMap``) the administrator edits; seeded by a data migration from the codes the
provinces' one-stop systems use (TrangThaiHoSo 1–10; HinhThuc 1 counter, 2 online, 3 post)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from opendvc.dossiers.lifecycle import State
from opendvc.dossiers.models import Channel

from ..models import NationalChannelMap, NationalStatusMap

# The seed (also what "reset to the defaults" would restore). Drafts and deleted drafts never leave the
# portal (no code); a dossier returned for completion is again "newly registered" for the national
# portal until it is filed again.
DEFAULT_STATUS: dict[str, int | None] = {
    State.DRAFT: None,
    State.DELETED: None,
    State.SUBMITTED: 1,
    State.RETURNED_FOR_COMPLETION: 1,
    State.RECEIVED: 2,
    State.REFUSED: 3,
    State.PROCESSING: 4,
    State.SUPPLEMENT_REQUESTED: 5,
    State.PAYMENT_REQUIRED: 6,
    State.WITHDRAWN: 7,
    State.STOPPED: 8,
    State.RESULT_READY: 9,
    State.RETURNED: 10,
}
DEFAULT_CHANNEL: dict[str, int] = {
    Channel.COUNTER: 1,
    Channel.ONLINE: 2,
    Channel.NATIONAL_PORTAL: 2,
    Channel.POSTAL: 3,
}
# States that are ours alone: they never carry a national code.
PRIVATE_STATES = frozenset({State.DRAFT, State.DELETED})


def status_map() -> dict[str, int | None]:
    return dict(NationalStatusMap.objects.values_list("state", "code"))


def channel_map() -> dict[str, int]:
    return dict(NationalChannelMap.objects.values_list("channel", "code"))


def mapping_problems(
    statuses: dict[str, int | None] | None = None, channels: dict[str, int] | None = None
) -> list[dict[str, str]]:
    """What is wrong with the tables: a state or channel without a row, a state that leaves the portal
    without a code, a private state with one. Empty when the tables are complete."""
    statuses = status_map() if statuses is None else statuses
    channels = channel_map() if channels is None else channels
    problems: list[dict[str, str]] = []
    for state in State:
        if state not in statuses:
            problems.append(
                {
                    "path": f"state.{state.value}",
                    "message": _("Trạng thái “%(s)s” chưa có mã quốc gia.") % {"s": state.label},
                }
            )
        elif state in PRIVATE_STATES and statuses[state] is not None:
            problems.append(
                {
                    "path": f"state.{state.value}",
                    "message": _("Trạng thái “%(s)s” không được gửi lên Cổng quốc gia.")
                    % {"s": state.label},
                }
            )
        elif state not in PRIVATE_STATES and statuses[state] is None:
            problems.append(
                {
                    "path": f"state.{state.value}",
                    "message": _("Trạng thái “%(s)s” cần một mã từ 1 đến 10.") % {"s": state.label},
                }
            )
    for channel in Channel:
        if channels.get(channel) not in (1, 2, 3):
            problems.append(
                {
                    "path": f"channel.{channel.value}",
                    "message": _("Hình thức “%(c)s” chưa có mã quốc gia (1, 2 hoặc 3).")
                    % {"c": channel.label},
                }
            )
    return problems


def national_mapping_seed() -> int:
    """Add the default row of every state and channel that has none (never changes an edited row).
    Returns how many rows were added."""
    added = 0
    for state, code in DEFAULT_STATUS.items():
        added += NationalStatusMap.objects.get_or_create(state=state, defaults={"code": code})[1]
    for channel, code in DEFAULT_CHANNEL.items():
        added += NationalChannelMap.objects.get_or_create(channel=channel, defaults={"code": code})[
            1
        ]
    return added
