"""A linked dossier received by the one-stop office opens its parts (after the intake commits); it gets
its result only once every part has ended."""

from __future__ import annotations

from django.dispatch import receiver

from opendvc.core.statemachine import acted_in_transaction
from opendvc.dossiers.lifecycle import Action
from opendvc.dossiers.signals import dossier_acted


@receiver(dossier_acted)
def _open_parts(sender, instance, action, **kwargs) -> None:
    if action != Action.RECEIVE:
        return
    from .services import dossier_start_linked

    dossier_start_linked(dossier=instance)


@receiver(acted_in_transaction)
def _member_agencies_known_at_intake(sender, domain, instance, action, **kwargs) -> None:
    """A linked dossier is received only when every member's agency is known for the receiving commune
    (``MemberAgency``): otherwise the intake is refused with the error naming the missing office, and
    nothing is saved half-way."""
    if domain != "dossier" or action != Action.RECEIVE:
        return
    from .services import bundle_of, linked_agencies_check

    bundle = bundle_of(instance)
    if bundle is not None:
        linked_agencies_check(bundle=bundle, receiving_agency=instance.receiving_agency)


@receiver(acted_in_transaction)
def _no_result_while_a_part_is_open(sender, domain, instance, action, **kwargs) -> None:
    """A linked dossier gets its result only with every agency's part ended (``linked_dossier_finish``):
    approving it from the one-stop pages while a part is still handled is refused (the whole action
    rolls back)."""
    if domain != "dossier" or action != Action.APPROVE:
        return
    from django.utils.translation import gettext as _

    from opendvc.core.problems import ProblemError

    from .services import part_open

    if part_open(instance):
        raise ProblemError(
            "conflict", _("Còn phần hồ sơ đang giải quyết ở cơ quan liên thông."), status=409
        )
