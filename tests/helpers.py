"""Small helpers for the tests' calls: a device's token header, a JSON body sent, a back-office URL."""

import json

from django.urls import reverse

from cdm.accounts.tokens import token_create


def bearer(user, **kwargs) -> dict:
    """The ``Authorization`` header of a new API token for ``user`` (``kwargs`` go to ``token_create``)."""
    _token, raw = token_create(user=user, **kwargs)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def send(client, method: str, url: str, body, **headers):
    """``body`` sent as JSON with ``method`` (``"post"``, ``"patch"``, ``"put"``…)."""
    return getattr(client, method.lower())(url, json.dumps(body), content_type="application/json", **headers)


def post(client, url: str, body, **headers):
    return send(client, "post", url, body, **headers)


def patch(client, url: str, body, **headers):
    return send(client, "patch", url, body, **headers)


def put(client, url: str, body, **headers):
    return send(client, "put", url, body, **headers)


def admin_url(obj, view: str = "change") -> str:
    """The back office's page of ``obj``: ``change``, ``delete``, ``history``."""
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=[obj.pk])


def changelist_url(model) -> str:
    meta = model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
