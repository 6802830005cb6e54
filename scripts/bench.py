"""Benchmarks (tables + CSV/plots; not tests).

    ape run bench publish                          P = 5 s and 2 s, fixed rate and saturation, 60 blocks per round
    ape run bench publish --periods 5 --blocks 20  a shorter look
    ape run bench matching                         rule vs optimising mode (CP-SAT), 20 × 3 … 10,000 × 1,000
    ape run bench match-latency                    OrderPlaced → OrderMatched through the bot on a 4-node network
    ape run bench web                              the customer explorer in Chromium: publish, retrieve (SSE), render

Each block period gets its own fresh 4-node network (its own ports, in the output folder), deployed with
`ape run deploy`; the customer node receives the transactions. Writes samples.csv and latency.png beside the table.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import click
from ape.cli import ape_cli_context

from offchain.bench.publish import plot, render_table, run_round, write_csv
from offchain.chain.registry import load_registry
from offchain.devnet import dev_accounts
from offchain.network import manager
from offchain.network.genesis import DEFAULT_GAS_LIMIT
from offchain.settings import PROJECT_ROOT, TEST_MNEMONIC

FIRST_WORKER_ACCOUNT = 10  # TEST::10 onwards; TEST::0 deploys


def _worker_keys(count: int) -> list[str]:
    return [str(_account(FIRST_WORKER_ACCOUNT + i).key.hex()) for i in range(count)]


@click.group()
def cli() -> None:
    """Benchmarks (tables, CSV, plots)."""


def _fresh_network(out: Path, period: int, base_port: int, funded: int, log: Any) -> tuple[Any, Path]:
    """A fresh 4-node network with period `period` in `out`, started and deployed (registry path returned).
    The caller stops it (manager.stop_nodes)."""
    root = out / f"network-p{period}"
    log(f"P = {period} s: creating a fresh 4-node network in {root}")
    config = manager.create_network(
        root,
        chain_id=4242,
        period=period,
        epoch=30_000,
        gas_limit=DEFAULT_GAS_LIMIT,
        base_port=base_port,
        funded=dev_accounts(TEST_MNEMONIC, funded),
        force=True,
        progress=log,
    )
    try:
        manager.start_nodes(config, progress=log)
        manager.wait_for_blocks(config, 2, timeout=10 * period + 10)
        registry_file = out / f"registry-p{period}.json"
        log("deploying the contracts")
        command = [
            str(Path(sys.executable).with_name("ape")),
            "run",
            "deploy",
            "--network",
            f"ethereum:imse:{config.node('boot').rpc_url}",
            "--account",
            "TEST::0",
            "--registry",
            str(registry_file),
        ]
        done = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise click.ClickException(f"deploy failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    except BaseException:
        manager.stop_nodes(config, progress=log)
        raise
    return config, registry_file


@cli.command()
@ape_cli_context()
@click.option("--periods", default="5,2", show_default=True, help="block periods to measure (s), comma-separated")
@click.option("--blocks", type=click.IntRange(5), default=60, show_default=True, help="blocks per round")
@click.option(
    "--rate",
    type=click.FloatRange(0.1),
    default=20.0,
    show_default=True,
    help="transactions per second of the fixed-rate round",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=8,
    show_default=True,
    help="sender workers, one funded account each",
)
@click.option(
    "--window",
    type=click.IntRange(1),
    default=80,
    show_default=True,
    help="transactions in flight per worker in the saturation round",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=PROJECT_ROOT / "data" / "bench",
    show_default=True,
)
@click.option("--base-port", type=click.IntRange(1024, 65000), default=31600, show_default=True)
def publish(cli_ctx, periods, blocks, rate, workers, window, out, base_port):  # type: ignore[no-untyped-def]
    """Publish latency and throughput of placeOrder, Caliper-style, beside the paper's figures."""
    log = cli_ctx.logger.info
    keys = _worker_keys(workers)
    rounds = []
    for period in (int(p) for p in periods.split(",")):
        config, registry_file = _fresh_network(out, period, base_port, FIRST_WORKER_ACCOUNT + workers, log)
        try:
            book = load_registry(registry_file).contracts["OrderBook"]
            entry = {"address": book.address, "abi": book.abi}
            customer_url = config.node("customer").rpc_url
            for mode in ("fixed", "saturation"):
                name = f"P={period}s {'fixed ' + format(rate, 'g') + ' tx/s' if mode == 'fixed' else 'saturation'}"
                log(f"round {name}: {blocks} blocks (≈ {blocks * period} s unloaded)")
                rounds.append(
                    run_round(
                        name=name,
                        url=customer_url,
                        order_book=entry,
                        keys=keys,
                        period=period,
                        mode=mode,
                        blocks=blocks,
                        rate=rate,
                        window=window,
                        progress=log,
                    )
                )
        finally:
            manager.stop_nodes(config, progress=log)
    write_csv(out / "samples.csv", rounds)
    plot(out / "latency.png", rounds)
    click.echo(render_table(rounds))
    for r in rounds:
        if r.period == 5 and r.mode == "fixed":
            p50, p95 = r.latency_quantile(0.5), r.latency_quantile(0.95)
            click.echo(
                f"target at P=5s: p50 {p50:.2f} s ≤ 3.0 s: {'met' if p50 <= 3.0 else 'MISSED'}; "
                f"p95 {p95:.2f} s ≤ 5.5 s: {'met' if p95 <= 5.5 else 'MISSED'}"
            )
        if r.mode == "saturation":
            click.echo(
                f"target at saturation (P={r.period}s): gas used {r.gas_used_pct:.0f}% ≥ 90%: "
                f"{'met' if r.gas_used_pct >= 90 else 'MISSED'}"
            )
    cli_ctx.logger.success(f"wrote {out / 'samples.csv'} and {out / 'latency.png'}")


@cli.command()
@ape_cli_context()
@click.option(
    "--sizes",
    default="20x3,60x6,100x10,1000x100,5000x500,10000x1000",
    show_default=True,
    help="orders x printers, comma-separated",
)
@click.option("--rule", "rule_name", default="rule1-importance", show_default=True, help="shipped rule")
@click.option("--repeats", type=click.IntRange(1), default=7, show_default=True, help="rule-mode runs per size")
@click.option("--optimise-repeats", type=click.IntRange(1), default=1, show_default=True)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=PROJECT_ROOT / "data" / "bench-matching",
    show_default=True,
)
def matching(cli_ctx, sizes, rule_name, repeats, optimise_repeats, out):  # type: ignore[no-untyped-def]
    """Matching time and schedule quality, rule mode vs optimising mode."""
    from offchain.bench import matching as bench

    try:
        parsed = [tuple(int(v) for v in size.lower().split("x")) for size in sizes.split(",")]
    except ValueError as err:
        raise click.BadParameter(f"sizes look like 1000x100,10000x1000: {err}") from err
    rows = bench.run(
        parsed, rule_name=rule_name, repeats=repeats, optimise_repeats=optimise_repeats, progress=cli_ctx.logger.info
    )
    bench.plot(out / "matching.png", rows)
    click.echo(bench.render(rows))
    cli_ctx.logger.success(f"wrote {out / 'matching.png'}")


@cli.command("match-latency")
@ape_cli_context()
@click.option("--period", type=click.IntRange(1, 30), default=5, show_default=True, help="block period (s)")
@click.option("--orders", "count", type=click.IntRange(1), default=40, show_default=True)
@click.option("--interval", type=click.FloatRange(0.1), default=3.0, show_default=True, help="seconds between orders")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=PROJECT_ROOT / "data" / "bench-match-latency",
    show_default=True,
)
@click.option("--base-port", type=click.IntRange(1024, 65000), default=31700, show_default=True)
def match_latency(cli_ctx, period, count, interval, out, base_port):  # type: ignore[no-untyped-def]
    """OrderPlaced → OrderMatched latency through the matcher bot on a fresh 4-node network + IPFS swarm."""
    import os
    import random

    from offchain.bench import match_latency as bench
    from offchain.bot.service import bot_command
    from offchain.chain.connection import connect
    from offchain.chain.signer import Signer
    from offchain.network import swarm
    from offchain.printing.samples import box
    from offchain.storage.kubo import KuboStorage

    log = cli_ctx.logger.info
    accounts = {i: _account(i) for i in (1, 3, 5)}
    config, registry_file = _fresh_network(out, period, base_port, 8, log)
    ipfs = swarm.create_swarm(out / "ipfs", base_port=base_port + 50, force=True, progress=log)
    bot = None
    try:
        swarm.start_swarm(ipfs, progress=log)
        registry = load_registry(registry_file)
        printer_node = connect(config.node("printer").rpc_url, registry)
        with KuboStorage(ipfs.nodes[0].api_url) as store:
            setup = bench.prepare(
                printer_node,
                store,
                Signer(printer_node, accounts[1]),
                Signer(printer_node, accounts[3]),
                designs=[(box(s, s, s / 2), s * 1000) for s in (12, 16, 20)],
            )
        signers = sum(node.genesis_signer for node in config.nodes)
        log(f"starting the matcher bot (confirmations {signers // 2 + 1}) on the matcher node")
        command = bot_command(config.node("matcher").rpc_url, registry_file, ipfs.nodes[1].api_url, setup.rule_id, out)
        (out / "checkpoint.json").unlink(missing_ok=True)  # a fresh chain: the last run's checkpoint is not ours
        with (out / "bot.log").open("wb") as bot_log:
            bot = subprocess.Popen(
                command,
                stdout=bot_log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "IMSE_MATCHER_KEY": accounts[3].key.hex()},
            )
        rng = random.Random(7)
        requests = [bench.design_request(rng.choice(setup.designs), priority=rng.randint(0, 100)) for _ in range(count)]
        samples = bench.measure(
            config.node("customer").rpc_url,
            registry,
            accounts[5],
            requests,
            interval=interval,
            timeout=30 * period + 60,
            progress=log,
        )
    finally:
        if bot is not None:
            bot.terminate()
            bot.wait(timeout=30)
        swarm.stop_swarm(ipfs, progress=log)
        manager.stop_nodes(config, progress=log)
    click.echo(bench.render(samples, total=count, period=period, confirmations=signers // 2 + 1))
    cli_ctx.logger.success(f"bot log: {out / 'bot.log'}")


def _account(index: int) -> Any:
    from eth_account import Account

    from offchain.devnet import dev_key

    return Account.from_key(dev_key(TEST_MNEMONIC, index))


@cli.command()
@ape_cli_context()
@click.option("--period", type=click.IntRange(1, 60), default=5, show_default=True, help="block period (s)")
@click.option("--orders", type=click.IntRange(1), default=50, show_default=True, help="orders published in the page")
@click.option("--updates", type=click.IntRange(1), default=20, show_default=True, help="status changes watched")
@click.option("--render-orders", type=click.IntRange(1), default=1000, show_default=True, help="orders in the index")
@click.option("--newcomers", type=click.IntRange(1), default=3, show_default=True, help="newcomers to a first order")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=PROJECT_ROOT / "data" / "bench-web",
    show_default=True,
)
@click.option("--base-port", type=click.IntRange(1024, 65000), default=31800, show_default=True)
def web(cli_ctx, period, orders, updates, render_orders, newcomers, out, base_port):  # type: ignore[no-untyped-def]
    """The customer explorer in Chromium on a fresh network (P = --period), swarm and web server."""
    import shutil

    from offchain.bench import web as bench
    from offchain.chain.connection import connect
    from offchain.network import swarm
    from web.platform.settings import WebSettings
    from web.service import WebService

    log = cli_ctx.logger.info
    out.mkdir(parents=True, exist_ok=True)
    config, registry_file = _fresh_network(out, period, base_port, 10, log)
    ipfs = swarm.create_swarm(out / "ipfs", base_port=base_port + 100, force=True, progress=log)
    shutil.rmtree(out / "web", ignore_errors=True)  # a fresh chain: last run's index and carts are not ours
    rpc = config.node("boot").rpc_url
    service = WebService(WebSettings(port=base_port + 300, rpc_url=rpc, registry=registry_file,
                                     ipfs_url=ipfs.nodes[0].api_url, state_dir=out / "web",
                                     faucet_key=_account(9).key.hex()))  # fmt: skip
    try:
        swarm.start_swarm(ipfs, progress=log)
        service.start(progress=log)
        chain = connect(rpc, load_registry(registry_file))
        result = bench.run(service.url, rpc, chain, str(_account(8).key.hex()), orders=orders, updates=updates,
                           render_orders=render_orders, newcomers=newcomers, work=out, progress=log)  # fmt: skip
    finally:
        service.stop()
        swarm.stop_swarm(ipfs, progress=log)
        manager.stop_nodes(config, progress=log)
    click.echo(bench.render(result))
    bench.plot(out / "web.png", result)
    cli_ctx.logger.success(f"wrote {out / 'web.png'}")
