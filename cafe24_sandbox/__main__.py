"""`python -m cafe24_sandbox`: run the sandbox without the pipeline installed (same options as the CLI)."""

from __future__ import annotations

import argparse

from cafe24_sandbox.config import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, SandboxConfig
from cafe24_sandbox.server import SandboxServer, StopSignals


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m cafe24_sandbox", description=__doc__)
    parser.add_argument("--port", type=int, default=8024)
    parser.add_argument("--products", type=int, default=200)
    parser.add_argument("--orders", type=int, default=500)
    parser.add_argument("--seed", type=int, default=24)
    parser.add_argument("--malls", default="demomall")
    parser.add_argument("--client-id", default=DEFAULT_CLIENT_ID)
    parser.add_argument("--client-secret", default=DEFAULT_CLIENT_SECRET)
    parser.add_argument("--leak-rate", type=float, default=2.0)
    parser.add_argument("--webhook-url", default=None)
    parser.add_argument("--webhook-key", default="sandbox-webhook-key")
    args = parser.parse_args()
    try:
        config = SandboxConfig(
            malls=[m.strip() for m in args.malls.split(",") if m.strip()],
            products=args.products,
            orders=args.orders,
            seed=args.seed,
            port=args.port,
            client_id=args.client_id,
            client_secret=args.client_secret,
            leak_rate=args.leak_rate,
            webhook_url=args.webhook_url,
            webhook_key=args.webhook_key,
        )
    except ValueError as error:
        parser.error(str(error))
    with StopSignals() as signals:  # SIGINT/SIGTERM from here on stop it, even if inherited ignored
        server = SandboxServer(config)
        signals.on_stop = server.on_stop_signal
        server.start()
        print(f"Cafe24 sandbox on {server.base_url}  (malls: {', '.join(config.malls)})")
        print(f"  CAFE24_API_BASE_URL={server.api_base_template}")
        print(f"  CAFE24_CLIENT_ID={server.client_id}")
        print(f"  CAFE24_CLIENT_SECRET={server.client_secret}", flush=True)
        server.serve_forever(signals)


if __name__ == "__main__":
    main()
