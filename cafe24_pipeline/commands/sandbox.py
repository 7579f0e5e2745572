"""`cafe24-pipeline sandbox`: serve the local Cafe24-compatible sandbox until stopped."""

from __future__ import annotations

import typer

from cafe24_pipeline.commands.common import console, err_console


def register(app: typer.Typer) -> None:
    @app.command("sandbox")
    def sandbox(
        port: int = typer.Option(8024, help="Port on 127.0.0.1 (0 = any free port)."),
        products: int = typer.Option(200, min=0, help="Seeded products per mall."),
        orders: int = typer.Option(500, min=0, help="Seeded orders per mall (last 120 days)."),
        seed: int = typer.Option(24, help="Seed: same seed, same data."),
        malls: str = typer.Option("demomall", help="Comma-separated mall ids."),
        client_id: str = typer.Option("sandbox-client-id", help="App Client ID the sandbox accepts."),
        client_secret: str = typer.Option("sandbox-client-secret", help="App Client Secret the sandbox accepts."),
        leak_rate: float = typer.Option(2.0, min=0.001, help="Bucket leak rate in calls/s (Cafe24: 2)."),
        webhook_url: str = typer.Option("", help="POST Cafe24-style webhooks here (X-API-Key header)."),
        webhook_key: str = typer.Option("sandbox-webhook-key", help="Value of the X-API-Key webhook header."),
    ) -> None:
        """Serve the Cafe24-compatible sandbox (OAuth, Admin API, control API) until Ctrl-C."""
        from cafe24_sandbox import SandboxConfig, SandboxServer, StopSignals  # lazy: the pipeline never imports it otherwise

        try:
            config = SandboxConfig(
                malls=[m.strip() for m in malls.split(",") if m.strip()],
                products=products,
                orders=orders,
                seed=seed,
                port=port,
                client_id=client_id,
                client_secret=client_secret,
                leak_rate=leak_rate,
                webhook_url=webhook_url or None,
                webhook_key=webhook_key,
            )
        except ValueError as exc:
            err_console.print(f"[bold red]Error:[/] {exc}")
            raise typer.Exit(2) from None
        # SIGINT/SIGTERM handled from here on, explicitly: a shell's background job inherits SIGINT ignored
        with StopSignals() as signals:
            server = SandboxServer(config)
            signals.on_stop = server.on_stop_signal
            try:
                server.start()
            except OSError as exc:
                err_console.print(f"[bold red]Error:[/] cannot listen on port {port}: {exc.strerror}")
                raise typer.Exit(1) from None
            console.print(f"Cafe24 sandbox on [bold]{server.base_url}[/]  (malls: {', '.join(config.malls)})")
            console.print(f"  CAFE24_API_BASE_URL={server.api_base_template}")
            console.print(f"  CAFE24_CLIENT_ID={server.client_id}")
            console.print(f"  CAFE24_CLIENT_SECRET={server.client_secret}")
            console.print(f"  control API: {server.base_url}/_sandbox/health   (Ctrl-C or SIGTERM stops)")
            server.serve_forever(signals)
