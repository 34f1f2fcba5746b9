"""`salescore` command line: serve | worker | migrate | seed-demo | export-openapi."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from salescore.config import get_settings
from salescore.ops.logging import configure_logging


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="salescore", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="migrate the database, then serve the API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)

    sub.add_parser("worker", help="process events from Redis (needs SALESCORE_REDIS_URL)")
    sub.add_parser("migrate", help="upgrade the database to the latest schema")

    seed = sub.add_parser("seed-demo", help="create the demo tenant (§14) and print its logins")
    seed.add_argument("--seed", type=int, default=42)
    seed.add_argument("--scale", choices=["S", "M", "L"], default="S")
    seed.add_argument("--if-empty", action="store_true", help="do nothing when the demo tenant exists")

    export = sub.add_parser("export-openapi", help="write openapi/openapi.json and openapi/schema.graphql")
    export.add_argument("--out-dir", type=Path, default=Path("openapi"))

    args = parser.parse_args(argv)
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)

    if args.command == "serve":
        import uvicorn

        from salescore.migrate import upgrade

        upgrade(settings.database_url)
        if args.workers > 1 and not settings.redis_url:
            print("note: several API workers without SALESCORE_REDIS_URL each run their own event runner",
                  file=sys.stderr)
        uvicorn.run(
            "salescore.app:create_default_app", factory=True, host=args.host, port=args.port,
            workers=args.workers, log_config=None, proxy_headers=True,
        )
    elif args.command == "worker":
        if not settings.redis_url:
            print("salescore worker needs SALESCORE_REDIS_URL; without it `serve` runs events in-process",
                  file=sys.stderr)
            return 2
        from salescore.migrate import upgrade
        from salescore.worker import run_worker

        upgrade(settings.database_url)
        asyncio.run(run_worker(settings))
    elif args.command == "migrate":
        from salescore.migrate import upgrade

        upgrade(settings.database_url)
        print(f"database at head: {settings.database_url}")
    elif args.command == "seed-demo":
        from salescore.demo.seed import run_seed
        from salescore.migrate import upgrade

        upgrade(settings.database_url)
        asyncio.run(run_seed(settings, seed=args.seed, scale=args.scale, if_empty=args.if_empty))
    elif args.command == "export-openapi":
        from salescore.exports import export_schemas

        for path in export_schemas(args.out_dir):
            print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
