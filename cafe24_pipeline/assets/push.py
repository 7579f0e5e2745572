"""The push assets: `oms/push_log` and `oms/push_state`, written by one step per mall.

Thin: the step holds the mall's lease, opens its client and runs `sync.push.Pusher` for the kinds
its config names. The push sensor (sensors/push.py) launches it for exactly the current
differences; from the UI (launchpad) or `cafe24-pipeline push …` it is a manual push (retry
back-off and given-up marks ignored). Its metadata: products and variants written, API calls,
429s, conflicts and failures (the SyncResult keys).
"""

import dagster as dg

from cafe24_pipeline.assets.catalog import OMS_LISTINGS, OMS_PRODUCTS, PRODUCTS, VARIANTS
from cafe24_pipeline.assets.describe import row_count_metadata
from cafe24_pipeline.assets.mall_work import mall_client
from cafe24_pipeline.oms.push_diff import KINDS
from cafe24_pipeline.partitions import malls_partitions
from cafe24_pipeline.resources.cafe24 import Cafe24Resource
from cafe24_pipeline.resources.store import StoreResource
from cafe24_pipeline.sync.push import PushConfig, Pusher

PUSH_LOG = dg.AssetKey(["oms", "push_log"])
PUSH_STATE = dg.AssetKey(["oms", "push_state"])
GROUP = "push"


class PushRunConfig(dg.Config):
    """What one push run sends."""

    kinds: list[str] = list(KINDS)
    """Any of stock, price, status, delete."""
    full_stock: bool = False
    """Sync Stock: send every linked variant's stock even when Cafe24 already has it."""
    manual: bool = True
    """A push started by an operator ignores retry back-off; the sensor sets false."""
    expected_digest: str | None = None
    """Set by the sensor: the diff it saw (the run pushes the diff current when it starts)."""


@dg.multi_asset(
    name="oms_push",
    specs=[
        dg.AssetSpec(
            PUSH_LOG,
            group_name=GROUP,
            kinds={"cafe24", "sql"},
            deps=[OMS_PRODUCTS, OMS_LISTINGS, PRODUCTS, VARIANTS],
            description="Every push attempt OMS → Cafe24 (what, expected, sent, Cafe24's answer, result, error).",
        ),
        dg.AssetSpec(
            PUSH_STATE,
            group_name=GROUP,
            kinds={"cafe24", "sql"},
            deps=[OMS_PRODUCTS, OMS_LISTINGS],
            description="Per variant: the values Cafe24 answered to our pushes, retry back-off, price conflicts.",
        ),
    ],
    partitions_def=malls_partitions,
    can_subset=False,
)
def oms_push(context: dg.AssetExecutionContext, config: PushRunConfig, store: StoreResource, cafe24: Cafe24Resource):
    """Push the mall's OMS differences (stock, prices, display/selling, deletes) to Cafe24."""
    mall = context.partition_key
    db = store.get_store()
    push_config = PushConfig.from_settings(
        cafe24.settings(), kinds=tuple(config.kinds), full_stock=config.full_stock, manual=config.manual
    )
    with mall_client(context, db, cafe24, mall, "oms/push", ValueError) as client:
        result = Pusher(db, client, mall, config=push_config, run_id=context.run.run_id).run()
    context.log.info(result.summary())
    meta = {k: (dg.MetadataValue.json(v) if isinstance(v, (dict, list)) else v) for k, v in result.as_metadata().items()}
    yield dg.MaterializeResult(asset_key=PUSH_LOG, metadata={**meta, **row_count_metadata(db, PUSH_LOG, mall_id=mall)})
    yield dg.MaterializeResult(asset_key=PUSH_STATE, metadata={**meta, **row_count_metadata(db, PUSH_STATE, mall_id=mall)})
    failed = result.details.get("failed", 0)
    if failed:
        raise dg.Failure(
            description=f"{failed} variant write(s) failed on mall {mall}; see push_log (they are retried with back-off)",
            metadata={"failed": failed},
            allow_retries=False,
        )


push_job = dg.define_asset_job(
    "push_job",
    selection=dg.AssetSelection.assets(PUSH_LOG, PUSH_STATE),
    tags={"cafe24/stream": "push"},
    description="Push one mall's OMS changes (stock, prices, display/selling, deletes) to Cafe24. "
    "Launched by the push sensor for each new difference; run it by hand for a manual push.",
)

push_assets = [oms_push]
