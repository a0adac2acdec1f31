"""The ceilings of `make bench-desk`: the least a Django view can do to store one row.

``ceiling`` is the minimal Django view — one model, ``objects.create``, a JSON answer; it is the
ceiling the desk's throughput is compared with. ``ceiling_sql`` goes below Django's own idiom
(one raw ``INSERT`` through the cursor) and is printed beside it for reference.

Not part of the product: the benchmark's own server mounts these beside CDM's URLs
(``bench_urls``, through ``bench_settings``, with ``bench/`` on the Python path).
"""

import json
import uuid

from django.db import connection, models
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

TABLE = "bench_ceiling_row"


class CeilingRow(models.Model):
    uid = models.CharField(max_length=64)
    created = models.DateTimeField()

    class Meta:
        app_label = "network"
        # A constraint rather than unique=True: one unique index, no PostgreSQL LIKE index beside it.
        constraints = [models.UniqueConstraint(fields=["uid"], name="bench_ceiling_uid")]
        managed = False  # no migration: ensure_table() creates it, only in the benchmark's database
        db_table = TABLE

    def __str__(self) -> str:
        return self.uid


def ensure_table() -> None:
    if TABLE not in connection.introspection.table_names():
        with connection.schema_editor() as editor:
            editor.create_model(CeilingRow)


def prepare() -> int:
    """Creates the ceiling's table and fills it with as many rows as the visits' table holds.

    An insert costs more as a table's indexes grow (a random uid lands on a random page); with
    equal row counts the ceiling and the API are compared on their code, not on their tables' sizes.
    Returns the number of rows.
    """
    from cdm.accounts.scoping import network_scope
    from cdm.activity.models import Visit

    ensure_table()
    with network_scope():
        target = Visit.objects.count()
    missing = target - CeilingRow.objects.count()
    now = timezone.now()
    while missing > 0:
        batch = min(missing, 5000)
        CeilingRow.objects.bulk_create(CeilingRow(uid=str(uuid.uuid4()), created=now) for _ in range(batch))
        missing -= batch
    return target


def _uid(request) -> str:
    return json.loads(request.body or b"{}").get("uid") or str(uuid.uuid4())


@csrf_exempt
def ceiling(request):
    row = CeilingRow.objects.create(uid=_uid(request), created=timezone.now())
    return JsonResponse({"uid": row.uid}, status=201)


@csrf_exempt
def ceiling_sql(request):
    uid = _uid(request)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {TABLE} (uid, created) VALUES (%s, %s)", [uid, timezone.now()])  # noqa: S608
    return JsonResponse({"uid": uid}, status=201)
