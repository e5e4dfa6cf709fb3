"""The read path: a 100-email page, against the GraphQL floor and raw psycopg, at several sizes.

- page: `outboundEmails(first: 100)` with nested `bounceDetails`, `events` and `recipients`, over HTTP to the API
  process; its CPU time per page is read from /proc, its latency from the client.
- floor: the same document executed by plain graphql-core (schema built from schema.graphql, default
  resolvers) over in-memory dicts holding the same rows, then JSON-encoded: the least any GraphQL
  server in Python does for this answer. CPU time of this process.
- raw: the page's SQL (count, page, events, recipients) by plain psycopg, rows as tuples.
"""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import psycopg

from bench.procstat import CpuMeter, descendants
from bench.seed import Tenant

PAGE = """query Page($filter: OutboundEmailFilter) {
  outboundEmails(first: 100, filter: $filter) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node {
      id status subject to fromEmail createdAt deliveryStatus
      bounceDetails { bouncedRecipients { email statusCode diagnostic } detectedAt }
      events { kind at actor cursor }
      recipients { address role deliveryState statusCode }
    } }
  }
}"""
RARE = {"status": ["FAILED"]}

RAW_COUNT = "SELECT count(*) FROM outbound_email WHERE organization_id = %s"
RAW_PAGE = "SELECT * FROM outbound_email WHERE organization_id = %s ORDER BY created_at DESC, id DESC LIMIT 101"
RAW_EVENTS = "SELECT * FROM outbound_email_event WHERE email_id = ANY(%s) AND organization_id = %s ORDER BY seq"
RAW_RECIPIENTS = (
    "SELECT * FROM outbound_recipient WHERE email_id = ANY(%s) AND organization_id = %s ORDER BY email_id, position"
)


@dataclass
class Batch:
    """`n` operations: CPU seconds per operation (of whoever did the work) and median latency."""

    cpu: float
    latency: float


def page_batch(http: httpx.Client, api_pid: int, tenant: Tenant, n: int, variables: dict[str, Any]) -> Batch:
    meter, latencies = CpuMeter(), []
    headers = {"Authorization": f"Bearer {tenant.token}"}
    pids = descendants(api_pid)  # the API process, or the supervisor and its API processes
    meter.start(pids)
    for _ in range(n):
        started = time.perf_counter()
        response = http.post("/graphql", json={"query": PAGE, "variables": variables}, headers=headers)
        latencies.append(time.perf_counter() - started)
        body = response.json()
        if "errors" in body or len(body["data"]["outboundEmails"]["edges"]) == 0:
            raise RuntimeError(f"the page failed: {str(body)[:300]}")
    return Batch(meter.stop(pids) / n, statistics.median(latencies))


class Floor:
    """Plain graphql-core over dicts: the same document, the same rows."""

    def __init__(self, conninfo: str, tenant: Tenant, sdl: str) -> None:
        import graphql

        self.graphql = graphql
        self.schema = graphql.build_schema(sdl)
        self.schema.type_map["DateTime"].coerce_output_value = lambda value: value.isoformat()  # type: ignore[attr-defined]
        self.schema.type_map["UUID"].coerce_output_value = str  # type: ignore[attr-defined]
        self.document = graphql.parse(PAGE)
        with psycopg.connect(conninfo) as conn:
            conn.row_factory = psycopg.rows.dict_row
            (count,) = conn.execute(RAW_COUNT, (tenant.organization_id,)).fetchone().values()
            rows = conn.execute(RAW_PAGE, (tenant.organization_id,)).fetchall()
            ids = [r["id"] for r in rows[:100]]
            events = conn.execute(RAW_EVENTS, (ids, tenant.organization_id)).fetchall()
            recipients = conn.execute(RAW_RECIPIENTS, (ids, tenant.organization_id)).fetchall()
        self.root = {"outboundEmails": self.connection(int(count), rows[:100], events, recipients)}

    @staticmethod
    def connection(
        count: int, rows: list[dict[str, Any]], events: list[dict[str, Any]], recipients: list[dict[str, Any]]
    ) -> dict[str, Any]:
        by_email: dict[Any, list[dict[str, Any]]] = {}
        for event in events:
            by_email.setdefault(event["email_id"], []).append(
                {"kind": event["kind"], "at": event["at"], "actor": event["actor"], "cursor": str(event["seq"])}
            )
        to_email: dict[Any, list[dict[str, Any]]] = {}
        for r in recipients:
            to_email.setdefault(r["email_id"], []).append(
                {
                    "address": r["address"],
                    "role": r["role"],
                    "deliveryState": r["delivery_state"],
                    "statusCode": r["status_code"],
                }
            )

        def bounce(details: dict[str, Any] | None) -> dict[str, Any] | None:
            if not details:
                return None
            recipients = [
                {"email": r["email"], "statusCode": r.get("status_code"), "diagnostic": r.get("diagnostic")}
                for r in details["bounced_recipients"]
            ]
            detected = details.get("detected_at")
            return {"bouncedRecipients": recipients, "detectedAt": detected and datetime.fromisoformat(detected)}

        edges = [
            {
                "cursor": f"{row['created_at'].isoformat()}|{row['id']}",
                "node": {
                    "id": str(row["id"]),
                    "status": row["status"],
                    "subject": row["subject"],
                    "to": row["to"],
                    "fromEmail": row["from_email"],
                    "createdAt": row["created_at"],
                    "deliveryStatus": row["delivery_status"],
                    "bounceDetails": bounce(row["bounce_details"]),
                    "events": by_email.get(row["id"], []),
                    "recipients": to_email.get(row["id"], []),
                },
            }
            for row in rows
        ]
        return {
            "totalCount": count,
            "pageInfo": {"hasNextPage": True, "endCursor": edges[-1]["cursor"]},
            "edges": edges,
        }

    def batch(self, n: int) -> Batch:
        latencies = []
        started = time.thread_time()
        for _ in range(n):
            begin = time.perf_counter()
            result = self.graphql.execute_sync(self.schema, self.document, root_value=self.root)
            if result.errors:
                raise RuntimeError(f"the floor failed: {result.errors}")
            json.dumps({"data": result.data})
            latencies.append(time.perf_counter() - begin)
        return Batch((time.thread_time() - started) / n, statistics.median(latencies))


def raw_batch(conninfo: str, tenant: Tenant, n: int) -> Batch:
    latencies = []
    with psycopg.connect(conninfo) as conn:
        started = time.thread_time()
        for _ in range(n):
            begin = time.perf_counter()
            conn.execute(RAW_COUNT, (tenant.organization_id,)).fetchone()
            rows = conn.execute(RAW_PAGE, (tenant.organization_id,)).fetchall()
            ids = [r[0] for r in rows[:100]]
            conn.execute(RAW_EVENTS, (ids, tenant.organization_id)).fetchall()
            conn.execute(RAW_RECIPIENTS, (ids, tenant.organization_id)).fetchall()
            latencies.append(time.perf_counter() - begin)
        return Batch((time.thread_time() - started) / n, statistics.median(latencies))
