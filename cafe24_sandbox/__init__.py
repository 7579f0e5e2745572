"""A local Cafe24 Admin API: OAuth, rate limits, catalogue and orders, faults. Never imports cafe24_pipeline."""

from cafe24_sandbox.config import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, SandboxConfig
from cafe24_sandbox.server import SandboxServer, StopSignals

__all__ = ["DEFAULT_CLIENT_ID", "DEFAULT_CLIENT_SECRET", "SandboxConfig", "SandboxServer", "StopSignals"]
