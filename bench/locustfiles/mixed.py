"""The virtual users of bench/load.py's sustained mixed load; run by locust, not directly.

bench/load.py writes a plan to the file FINEGRID_LOAD_PLAN names: a bearer token of
street staff, the demo login, and one slot per virtual user with the micro-grid, worker,
building and household that user alone changes (so its last confirmed write is what the
database must hold). Every write locust saw succeed goes to the file FINEGRID_LOAD_WRITES
names when the test stops, to be counted in the database.
"""

from __future__ import annotations

import itertools
import json
import os
import random
from pathlib import Path

from locust import HttpUser, between, events, task

PLAN = json.loads(Path(os.environ["FINEGRID_LOAD_PLAN"]).read_text(encoding="utf-8"))
MARKER = PLAN["marker"]
SLOTS = iter(PLAN["slots"])
CONFIRMED: list[dict] = []
SERIAL = itertools.count(1)


@events.test_stop.add_listener
def save_confirmed_writes(**_):
    Path(os.environ["FINEGRID_LOAD_WRITES"]).write_text(json.dumps(CONFIRMED), encoding="utf-8")


class StaffIntegration(HttpUser):
    """An integration of street staff with a bearer token: reads and writes the API around
    its own micro-grid, one request a second on average."""

    weight = 4
    wait_time = between(0.5, 1.5)

    def on_start(self):
        self.slot = next(SLOTS)  # StopIteration (a locust error) if the plan is too short
        self.client.headers["Authorization"] = f"Bearer {PLAN['token']}"

    def write(self, kind: str, method: str, url: str, name: str, payload: dict, value: str):
        """One write, tagged with a request id of this run; recorded only if it succeeded."""
        request_id = f"{MARKER}-{next(SERIAL)}"
        with self.client.request(
            method,
            url,
            name=name,
            json=payload,
            headers={"X-Request-ID": request_id},
            catch_response=True,
        ) as response:
            if response.status_code not in (200, 201):
                response.failure(f"{response.status_code}: {response.text[:200]}")
                return
            CONFIRMED.append(
                {
                    "kind": kind,
                    "id": response.json()["id"],
                    "value": value,
                    "request_id": response.headers["X-Request-ID"],
                    "slot": self.slot["index"],
                }
            )

    @task(3)
    def list_grids(self):
        self.client.get(
            f"/api/grids?community={self.slot['community']}&page_size=100", name="GET /api/grids"
        )

    @task(3)
    def read_grid(self):
        self.client.get(f"/api/grids/{self.slot['grid']}", name="GET /api/grids/{id}")

    @task(2)
    def list_households(self):
        self.client.get(
            f"/api/households?grid={self.slot['grid_code']}", name="GET /api/households"
        )

    @task(2)
    def list_persons(self):
        self.client.get(f"/api/persons?household={self.slot['household']}", name="GET /api/persons")

    @task(1)
    def list_workers(self):
        self.client.get(f"/api/workers?grid={self.slot['community']}", name="GET /api/workers")

    @task(1)
    def map_layer(self):
        self.client.get(
            f"/api/map/grids.geojson?kind=micro&code_prefix={self.slot['community']}",
            name="GET /api/map/grids.geojson",
        )

    @task(1)
    def rename_grid(self):
        value = f"{MARKER}网格{next(SERIAL)}"
        url = f"/api/grids/{self.slot['grid']}"
        self.write("grid", "PATCH", url, "PATCH /api/grids/{id}", {"name": value}, value)

    @task(1)
    def rename_worker(self):
        value = f"{MARKER}员{next(SERIAL)}"
        url = f"/api/workers/{self.slot['worker']}"
        self.write("worker", "PATCH", url, "PATCH /api/workers/{id}", {"name": value}, value)

    @task(1)
    def add_dwelling(self):
        value = f"{MARKER}-{next(SERIAL)}"
        payload = {"building": self.slot["building"], "entrance": 1, "floor": 1, "room": value}
        self.write("dwelling", "POST", "/api/dwellings", "POST /api/dwellings", payload, value)

    @task(1)
    def add_person(self):
        value = f"{MARKER}人{next(SERIAL)}"
        payload = {
            "household": self.slot["household"],
            "name": value,
            "sex": "F",
            "relation": "other",
        }
        self.write("person", "POST", "/api/persons", "POST /api/persons", payload, value)


class StaffInBrowser(HttpUser):
    """Street staff signed in with a browser: reads pages, one every second or so."""

    weight = 1
    wait_time = between(0.5, 1.5)

    def on_start(self):
        self.client.get("/login/", name="GET /login/")
        with self.client.post(
            "/login/",
            name="POST /login/",
            data={
                "username": PLAN["username"],
                "password": PLAN["password"],
                "csrfmiddlewaretoken": self.client.cookies["csrftoken"],
            },
            catch_response=True,
        ) as response:
            if "sessionid" not in self.client.cookies:
                response.failure("not signed in")

    @task(2)
    def cockpit(self):
        self.client.get("/cockpit/", name="GET /cockpit/")

    @task(3)
    def grid_page(self):
        code = random.choice(PLAN["slots"])["grid_code"]
        self.client.get(f"/grids/{code}/", name="GET /grids/{code}/")

    @task(1)
    def map_page(self):
        self.client.get("/map/", name="GET /map/")
