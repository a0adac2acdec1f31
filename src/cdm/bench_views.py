"""The ceiling of `make bench-desk`: the least a Django view can do to store one row.

Mounted only when CDM_BENCH_CEILING=1 (the benchmark's own server); never in production.
"""

import json
import uuid

from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

TABLE = "bench_ceiling_row"


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


@csrf_exempt
def ceiling(request):
    uid = json.loads(request.body or b"{}").get("uid") or str(uuid.uuid4())
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {TABLE} (uid, created) VALUES (%s, %s)", [uid, timezone.now()])  # noqa: S608
    return JsonResponse({"uid": uid}, status=201)
