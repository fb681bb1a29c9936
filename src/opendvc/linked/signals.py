from django.dispatch import Signal

# Sent once an action on a linked part commits: (sender=Part, instance, action, event, from_state, to_state).
part_acted = Signal()
