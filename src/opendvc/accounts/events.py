from django.dispatch import Signal

# Sent when an administrator closes an account at its holder's request, inside the transaction that
# erases its personal data: (sender=User, user, actor, request). Apps that keep something the person
# made available to others end it (``vault``: their share links).
account_closed = Signal()
