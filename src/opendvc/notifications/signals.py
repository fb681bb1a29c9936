"""``notice_created``: sent inside ``notify``'s transaction for every notice, so that another channel
(the SMS copy of a dossier notice, ``integrations.sms``) is queued with it or not at all. Arguments:
``recipient`` (a user or ``None``), ``template``, ``subject``, ``body``, ``context``."""

from django.dispatch import Signal

notice_created = Signal()
