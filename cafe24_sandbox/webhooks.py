"""Webhook emission: `{"event_no", "resource"}` POSTs with the `X-API-Key` header, logged like Cafe24.

Delivery runs on a background thread so Admin API calls never wait on the receiver. A failed delivery
is re-sent once (log_type `R`); every attempt lands in the mall's log for `GET /webhooks/logs`.

Test switches (control API): `hold` keeps events back until `release(order)` sends them in FIFO, reverse
or shuffled order (out-of-order delivery); `fail` makes every delivery fail without calling the receiver,
either as "receiver down" (no HTTP code) or with a given HTTP status, so a log sweep has gaps to find.
"""

from __future__ import annotations

import json
import queue
import random
import threading
import time
import uuid
from collections import deque
from typing import Any

import httpx

from cafe24_sandbox.clock import Clock, iso_kst


class WebhookEmitter:
    def __init__(
        self,
        clock: Clock,
        url: str | None,
        key: str,
        timeout: float,
        duplicate_rate: float = 0.0,
        seed: int = 0,
        resend_delay: float = 0.2,
    ) -> None:
        self.clock = clock
        self.resend_delay = resend_delay
        self.holding = False
        self._held: list[tuple[str, int, dict[str, Any], str]] = []
        self.failing = False
        self.fail_status: int | None = None  # None: the receiver is down (no HTTP answer)
        self.duplicate_rate = duplicate_rate
        self._rng = random.Random(seed)
        self.url = url
        self.key = key
        self.timeout = timeout
        self._queue: queue.Queue[tuple[str, int, dict[str, Any], str] | None] = queue.Queue()
        self._lock = threading.Lock()
        self._logs: dict[str, deque[dict[str, Any]]] = {}
        self._log_seq = 0
        self._thread: threading.Thread | None = None
        self.delivered = 0

    def configure(self, url: str | None, key: str | None = None) -> None:
        self.url = url
        if key is not None:
            self.key = key

    def set_failing(self, failing: bool, status: int | None = None) -> None:
        self.failing = failing
        self.fail_status = status

    def hold(self) -> None:
        with self._lock:
            self.holding = True

    def release(self, order: str = "fifo", seed: int = 0) -> int:
        """Stop holding and send the held events in `fifo`, `reverse` or `shuffle` order; returns how many."""
        if order not in ("fifo", "reverse", "shuffle"):
            raise ValueError("order must be fifo, reverse or shuffle")
        with self._lock:
            jobs, self._held, self.holding = self._held, [], False
        if order == "reverse":
            jobs.reverse()
        elif order == "shuffle":
            random.Random(seed).shuffle(jobs)
        if jobs:
            self._ensure_thread()
        for job in jobs:
            self._queue.put(job)
        return len(jobs)

    def held(self) -> int:
        with self._lock:
            return len(self._held)

    def emit(self, mall_id: str, event_no: int, resource: dict[str, Any], shop_no: int = 1) -> None:
        if not self.url:
            return
        payload = {"event_no": event_no, "resource": {"mall_id": mall_id, "event_shop_no": str(shop_no), **resource}}
        jobs = [(mall_id, event_no, payload, "G")]
        if self.duplicate_rate and self._rng.random() < self.duplicate_rate:
            jobs.append((mall_id, event_no, payload, "G"))  # Cafe24 may deliver an event twice
        with self._lock:
            if self.holding:
                self._held.extend(jobs)
                return
        self._ensure_thread()
        for job in jobs:
            self._queue.put(job)

    def _ensure_thread(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="sandbox-webhooks", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        with httpx.Client(timeout=self.timeout) as client:
            while True:
                job = self._queue.get()
                if job is None:
                    return
                mall_id, event_no, payload, log_type = job
                ok = self._deliver(client, mall_id, event_no, payload, log_type)
                if not ok and log_type == "G":
                    time.sleep(self.resend_delay)
                    self._deliver(client, mall_id, event_no, payload, "R")
                self._queue.task_done()

    def _deliver(self, client: httpx.Client, mall_id: str, event_no: int, payload: dict[str, Any], log_type: str) -> bool:
        url = self.url
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        code: int | None = None
        text: str | None = None
        if self.failing:  # the switch: the receiver is down, or answers fail_status
            code = self.fail_status
            text = "ConnectError" if code is None else f"<html><body><h1>{code}</h1></body></html>"
        else:
            try:
                response = client.post(
                    url or "", content=body.encode(), headers={"Content-Type": "application/json", "X-API-Key": self.key}
                )
                code, text = response.status_code, response.text[:2000] or None
            except httpx.HTTPError as error:
                text = type(error).__name__
        success = code is not None and 200 <= code < 300
        with self._lock:
            self._log_seq += 1
            self._logs.setdefault(mall_id, deque(maxlen=10000)).append(
                {
                    "log_id": f"wh{self._log_seq:018d}",
                    "log_type": log_type,
                    "event_no": event_no,
                    "mall_id": mall_id,
                    "trace_id": str(uuid.uuid4()),
                    "requested_time": iso_kst(self.clock.ts()),
                    "request_endpoint": url,
                    "request_body": body,
                    "success": "T" if success else "F",
                    "response_http_code": code,
                    "response_body": text,
                    "_seq": self._log_seq,
                    "_ts": self.clock.ts(),
                }
            )
            if success:
                self.delivered += 1
        return success

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Tests: wait until every queued delivery is done."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._queue.unfinished_tasks == 0:
                return True
            time.sleep(0.01)
        return False

    def logs(self, mall_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._logs.get(mall_id, ()))

    def stop(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            self._queue.put(None)
            self._thread.join(timeout=2)
