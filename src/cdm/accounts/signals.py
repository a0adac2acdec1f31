"""A device's tokens die with what they were given for: an active account and its role."""

from django.db.models.signals import post_save, pre_save


def _remember_state(sender, instance, raw=False, **kwargs):
    if raw or instance._state.adding or instance.pk is None:
        return
    before = sender._base_manager.filter(pk=instance.pk).values("is_active", "role").first()
    instance._cdm_before = before


def _revoke_if_changed(sender, instance, created, raw=False, **kwargs):
    before = getattr(instance, "_cdm_before", None)
    if raw or created or before is None:
        return
    instance._cdm_before = None
    if not instance.is_active or before["role"] != instance.role:
        from .tokens import tokens_revoke_for

        tokens_revoke_for(instance)


def connect(user_model) -> None:
    pre_save.connect(_remember_state, sender=user_model, dispatch_uid="cdm_token_state")
    post_save.connect(_revoke_if_changed, sender=user_model, dispatch_uid="cdm_token_revoke")
