"""Every way a single person row is saved keeps their assignments in line with it.

Forms, the API and the admin go through ``personnel.services.save_person``; tests, shells and other
apps may call ``Person.save`` directly. Either way the person's assignments follow the row
(``history.sync_person_assignments``): a new person gets the one assignment their row describes, a
person with one assignment has it corrected, and another unit for someone with a history is a transfer
dated today. Bulk writes (imports, the demo) send no signals and call it themselves.

``person_saving`` is sent by ``save_person`` before it writes: a receiver may refuse the write by raising
``ValidationError``. The apps above personnel connect to it (``approvals``: no move into or out of an approved
year's unit), so personnel needs not know them.
"""

from django.db.models.signals import post_save
from django.dispatch import Signal, receiver

from . import history
from .models import Person

# Sent with ``person`` (validated, not yet saved) by ``personnel.services.save_person``; receivers may raise.
person_saving = Signal()


@receiver(post_save, sender=Person, dispatch_uid="personnel.person_assignments")
def keep_assignments_in_line(sender, instance: Person, raw: bool = False, **kwargs) -> None:
    if raw:  # loading a fixture: its assignments come with it
        return
    history.sync_person_assignments([instance.pk])
