"""Every save and delete of a CDM model lands in the audit log, whatever wrote it."""

from django.apps import apps
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from .services import audit_record, snapshot

AUDITED_APPS = {"network", "activity", "accounts", "stats", "governance"}


NOT_AUDITED = {"stats.MonthRevision"}  # caches' markers, not data


def _audited(sender) -> bool:
    return sender._meta.app_label in AUDITED_APPS and sender._meta.label not in NOT_AUDITED


def on_pre_save(sender, instance, raw=False, **kwargs):
    if raw or not _audited(sender) or instance.pk is None or instance._state.adding:
        return
    old = sender._base_manager.filter(pk=instance.pk).first()
    if old is not None:
        # Kept on the instance itself, never in a module's dict: nothing outlives the save.
        instance._cdm_audit_before = snapshot(old)


def on_post_save(sender, instance, created, raw=False, **kwargs):
    if raw or not _audited(sender):
        return
    if created and sender._meta.label == "activity.Visit":
        # A new visit carries its own who and when (recorded_by, recorded_at); corrections are logged.
        return
    after = snapshot(instance)
    if created:
        audit_record(obj=instance, action="create", changes={k: [None, v] for k, v in after.items()})
        return
    before = instance.__dict__.pop("_cdm_audit_before", {})
    diff = {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
    if diff:
        audit_record(obj=instance, action="change", changes=diff)


def on_post_delete(sender, instance, **kwargs):
    if _audited(sender):
        audit_record(
            obj=instance, action="delete", changes={k: [v, None] for k, v in snapshot(instance).items()}
        )


def on_m2m_changed(sender, instance, action, pk_set, model, **kwargs):
    if action in {"post_add", "post_remove"} and _audited(type(instance)) and pk_set:
        field = model._meta.model_name
        audit_record(obj=instance, action="change", changes={field: {action[5:]: sorted(pk_set)}})


def connect():
    for model in apps.get_models():
        if _audited(model):
            pre_save.connect(on_pre_save, sender=model, dispatch_uid=f"audit-pre-{model._meta.label}")
            post_save.connect(on_post_save, sender=model, dispatch_uid=f"audit-post-{model._meta.label}")
            post_delete.connect(on_post_delete, sender=model, dispatch_uid=f"audit-del-{model._meta.label}")
            for field in model._meta.local_many_to_many:
                m2m_changed.connect(
                    on_m2m_changed, sender=field.remote_field.through, dispatch_uid=f"audit-m2m-{field}"
                )
