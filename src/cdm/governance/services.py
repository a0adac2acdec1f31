"""Writing the network's life: every write asks the one rule first, and is logged by the audit log."""

from django.db import transaction

from cdm.accounts.permissions import Action, require


@transaction.atomic
def record_save(*, user, form, formsets=()) -> object:
    """Save a record (new or changed) and its inline rows, if the user may.

    The rule is asked twice for a change: about the object as it was (the view did) and as it
    will be, so that nothing is moved where the user does not reach.
    """
    instance = form.instance
    require(user, Action.CHANGE if instance.pk else Action.ADD, instance if instance.pk else type(instance))
    obj = form.save(commit=False)
    require(user, Action.CHANGE if instance.pk else Action.ADD, obj)
    obj.save()
    form.save_m2m()
    for formset in formsets:
        formset.instance = obj
        formset.save()
    return obj
