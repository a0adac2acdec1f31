"""The ceilings of `make bench-desk`: the least a Django view can do to store one row.

``ceiling`` is the minimal Django view — one model, ``objects.create``, a JSON answer; it is the
ceiling the desk's throughput is compared with. ``ceiling_sql`` goes below Django's own idiom
(one raw ``INSERT`` through the cursor) and is printed beside it for reference.

Mounted only when CDM_BENCH_CEILING=1 (the benchmark's own server); never in production.
"""

import json
import uuid

from django.db import connection, models
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

TABLE = "bench_ceiling_row"


class CeilingRow(models.Model):
    uid = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField()

    class Meta:
        app_label = "network"
        managed = False  # created by ensure_table(), only in the benchmark's database
        db_table = TABLE

    def __str__(self) -> str:
        return self.uid


def ensure_table() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {TABLE} (id bigserial PRIMARY KEY, uid varchar(64) UNIQUE, "
                "created timestamptz)"
            )
        else:
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {TABLE} (id integer PRIMARY KEY AUTOINCREMENT, "
                "uid varchar(64) UNIQUE, created datetime)"
            )


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
