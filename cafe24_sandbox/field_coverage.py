"""How many of the fields in Cafe24's documented response examples the sandbox serves.

For every example file (e.g. `GET_products.json`) the sandbox makes the same call over HTTP and
compares key paths (`products[].product_volume.product_width`). Usage:

    python -m cafe24_sandbox.field_coverage tests/data/cafe24_examples [--out results.json]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from cafe24_sandbox.config import SandboxConfig
from cafe24_sandbox.server import SandboxServer


def key_paths(value: Any, prefix: str = "") -> set[str]:
    """Every key path of a JSON value; list elements are merged under `[]`."""
    paths: set[str] = set()
    if isinstance(value, dict):
        for key, child in value.items():
            path = f"{prefix}.{key}" if prefix else key
            paths.add(path)
            paths |= key_paths(child, path)
    elif isinstance(value, list):
        for child in value:
            paths |= key_paths(child, prefix + "[]")
    return paths


def _calls(server: SandboxServer) -> dict[str, Any]:
    """Make every documented call once; returns {example file stem: response JSON}."""
    mall = server.config.malls[0]
    base = server.api_base(mall)
    redirect = "https://app.example.com/callback"
    consent = httpx.get(
        f"{base}/api/v2/oauth/authorize",
        params={"response_type": "code", "client_id": server.client_id, "state": "s", "redirect_uri": redirect},
    )
    code = parse_qs(urlsplit(consent.headers["location"]).query)["code"][0]
    auth = (server.client_id, server.client_secret)
    token = httpx.post(
        f"{base}/api/v2/oauth/token", auth=auth, data={"grant_type": "authorization_code", "code": code, "redirect_uri": redirect}
    ).json()
    refreshed = httpx.post(
        f"{base}/api/v2/oauth/token", auth=auth, data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"]}
    ).json()
    out: dict[str, Any] = {"POST_oauth_token": token, "POST_oauth_token_refresh": refreshed}
    control = f"{server.base_url}/_sandbox/{mall}"
    with httpx.Client(base_url=f"{base}/api/v2/admin/", headers={"Authorization": f"Bearer {refreshed['access_token']}"}) as api:

        def call(name: str, method: str, path: str, **kwargs: Any) -> Any:
            response = api.request(method, path, **kwargs)
            if response.status_code >= 300:
                raise RuntimeError(f"{name}: {response.status_code} {response.text[:200]}")
            out[name] = response.json()
            return out[name]

        products = call("GET_products", "GET", "products", params={"limit": 10})["products"]
        number = next(p["product_no"] for p in products)
        call("GET_products_count", "GET", "products/count")
        call("GET_products_{product_no}", "GET", f"products/{number}")
        created = call(
            "POST_products",
            "POST",
            "products",
            json={
                "shop_no": 1,
                "request": {
                    "product_name": "커버리지 측정 상품",
                    "price": 10000,
                    "supply_price": 5000,
                    "add_category_no": [{"category_no": 24}],
                    "options": [{"name": "색상", "value": ["블랙", "화이트"]}],
                },
            },
        )["product"]
        call("PUT_products_{product_no}", "PUT", f"products/{number}", json={"shop_no": 1, "request": {"price": 12000}})
        variants = call("GET_products_{product_no}_variants", "GET", f"products/{created['product_no']}/variants")
        codes = [v["variant_code"] for v in variants["variants"]]
        call(
            "PUT_products_{product_no}_variants_{variant_code}",
            "PUT",
            f"products/{created['product_no']}/variants/{codes[0]}",
            json={"request": {"quantity": 5}},
        )
        call(
            "PUT_products_{product_no}_variants",
            "PUT",
            f"products/{created['product_no']}/variants",
            json={"requests": [{"variant_code": c, "quantity": 9} for c in codes]},
        )
        call(
            "GET_products_{product_no}_variants_{variant_code}_inventories",
            "GET",
            f"products/{created['product_no']}/variants/{codes[0]}/inventories",
        )
        call(
            "PUT_products_{product_no}_variants_{variant_code}_inventories",
            "PUT",
            f"products/{created['product_no']}/variants/{codes[0]}/inventories",
            json={"request": {"quantity": 6}},
        )
        call("DELETE_products_{product_no}", "DELETE", f"products/{created['product_no']}")
        call("GET_brands", "GET", "brands")
        call("GET_categories", "GET", "categories")
        call("GET_shops", "GET", "shops")
        orders = httpx.post(f"{control}/orders", json={"count": 4, "status": "N20"}).json()["orders"]
        order_ids = ",".join(o["order_id"] for o in orders)
        call("GET_orders", "GET", "orders", params={"order_id": order_ids, "limit": 2})
        call("GET_orders_count", "GET", "orders/count", params={"order_id": order_ids})
        first = orders[0]["order_id"]
        call("GET_orders_{order_id}", "GET", f"orders/{first}")
        call("GET_orders_{order_id}_items", "GET", f"orders/{first}/items")
        shipment = call(
            "POST_orders_{order_id}_shipments",
            "POST",
            f"orders/{first}/shipments",
            json={"request": {"tracking_no": "1234567890", "shipping_company_code": "0006", "status": "standby"}},
        )["shipments"][0]
        call("GET_orders_{order_id}_shipments", "GET", f"orders/{first}/shipments")
        call(
            "PUT_orders_{order_id}_shipments_{shipping_code}",
            "PUT",
            f"orders/{first}/shipments/{shipment['shipping_code']}",
            json={"request": {"status": "shipping"}},
        )
        call("PUT_orders_{order_id}", "PUT", f"orders/{orders[1]['order_id']}", json={"request": {"process_status": "hold"}})
        call("PUT_orders", "PUT", "orders", json={"requests": [{"order_id": orders[1]["order_id"], "process_status": "unhold"}]})
        created_shipments = call(
            "POST_shipments",
            "POST",
            "shipments",
            json={
                "requests": [
                    {
                        "order_id": orders[2]["order_id"],
                        "tracking_no": "555",
                        "shipping_company_code": "0018",
                        "status": "standby",
                    }
                ]
            },
        )["shipments"]
        call(
            "PUT_shipments",
            "PUT",
            "shipments",
            json={"requests": [{"shipping_code": created_shipments[0]["shipping_code"], "status": "shipping"}]},
        )
        server.sandbox.webhooks.wait_idle(5)
        call("GET_webhooks_logs", "GET", "webhooks/logs")
    return out


def measure(examples: Path) -> dict[str, Any]:
    config = SandboxConfig(products=50, orders=50, leak_rate=1000.0, webhook_url="http://127.0.0.1:9/unreachable")
    with SandboxServer(config) as server:
        responses = _calls(server)
    report: dict[str, Any] = {}
    total_expected = total_served = 0
    for path in sorted(examples.glob("*.json")):
        example = json.loads(path.read_text())
        ours = responses.get(path.stem)
        expected = key_paths(example)
        served = key_paths(ours) if ours is not None else set()
        hit = expected & served
        total_expected += len(expected)
        total_served += len(hit)
        record_level = {p for p in expected if p.count(".") <= 1}
        report[path.stem] = {
            "fields": len(expected),
            "served": len(hit),
            "record_fields": len(record_level),
            "record_served": len(record_level & served),
            "percent": round(100 * len(hit) / len(expected), 1) if expected else 100.0,
            "missing": sorted(expected - served),
        }
    return {
        "examples": report,
        "total_fields": total_expected,
        "total_served": total_served,
        "percent": round(100 * total_served / total_expected, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("examples", type=Path)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    result = measure(args.examples)
    for name, row in result["examples"].items():
        print(f"{row['percent']:6.1f}%  {row['served']:4d}/{row['fields']:<4d} {name}")
    print(f"{result['percent']:6.1f}%  {result['total_served']}/{result['total_fields']} overall")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
