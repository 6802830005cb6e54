"""The `imse` console command, for people who work without the web UI.

    imse doctor                                   the toolchain this project installed
    imse stl info FILE [--scale 1.0]              size (mm, µm), triangles, volume, watertight — JSON
    imse slice FILE --profile P.json | --twin T.json [--material PLA] [--infill 20] [--layer-height 0.2]
                                                  G-code path + estimated print seconds — JSON
    imse twin validate FILE                       check a twin document against its kind's schema
    imse match --orders O.json --printers P.json --rule R.json [--mode rule|optimal] [--now T]
                                                  the plan per printer + every unmatched order with its reason
    imse match --snapshot S.json                  re-run a published batch's input snapshot
    imse matcher run --rpc URL --registry R.json --rule-id N [--state F] [--confirmations N]
                                                  the matcher bot (key: $IMSE_MATCHER_KEY or --key-file)
    imse matcher verify BATCH --rpc URL --registry R.json   re-run a batch and confirm its decisions

Errors print one line on stderr and exit with status 1 (2 for usage errors).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from offchain import __version__
from offchain.exceptions import ImseError

if TYPE_CHECKING:
    from offchain.chain.connection import Chain
    from offchain.storage.kubo import KuboStorage


def _tool_version(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
    except (FileNotFoundError, subprocess.TimeoutExpired) as err:
        return f"missing ({err.__class__.__name__})"
    lines = (done.stdout or done.stderr).strip().splitlines()
    return next((line for line in lines if "ersion" in line), lines[0] if lines else "?").strip()


def _doctor() -> int:
    tools_bin = os.environ.get("IMSE_TOOLS_BIN", ".tools/bin")
    solcx = os.environ.get("SOLCX_BINARY_PATH", "~/.solcx")
    rows = {
        "imse": __version__,
        "geth": _tool_version([os.path.join(tools_bin, "geth"), "version"]),
        "ipfs": _tool_version([os.path.join(tools_bin, "ipfs"), "version"]),
        "solc": ", ".join(sorted(os.listdir(solcx))) if os.path.isdir(solcx) else f"missing ({solcx})",
        "prusa-slicer": "present" if shutil.which("prusa-slicer") else "missing",
    }
    width = max(map(len, rows))
    for name, value in rows.items():
        print(f"{name:<{width}}  {value}")
    return 0 if not any(value.startswith("missing") for value in rows.values()) else 1


def _print_json(value: object) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False))


def _stl_info(args: argparse.Namespace) -> int:
    from offchain.printing.stl import StlLimits, read_stl

    limits = StlLimits(args.max_bytes, args.max_triangles, args.max_size_mm)
    _print_json(read_stl(Path(args.file), scale=args.scale, limits=limits).to_json())
    return 0


def _slice(args: argparse.Namespace) -> int:
    from offchain.canonical import parse_json
    from offchain.printing.slicer import Slicer, SlicerProfile
    from offchain.printing.stl import read_stl
    from offchain.settings import data_dir

    if args.profile:
        profile = SlicerProfile.from_json(parse_json(Path(args.profile).read_bytes(), f"profile {args.profile}"))
        changes = {"material": args.material, "infill_percent": args.infill, "layer_height_mm": args.layer_height}
        profile = profile.with_options(**{k: v for k, v in changes.items() if v is not None})
    else:
        twin = parse_json(Path(args.twin).read_bytes(), f"twin {args.twin}")
        profile = SlicerProfile.from_twin(
            twin, material=args.material or "PLA", infill_percent=args.infill or 20, layer_height_mm=args.layer_height
        )
    stl = Path(args.file).read_bytes()
    info = read_stl(stl)
    slicer = Slicer((Path(args.cache_dir) if args.cache_dir else data_dir() / "slicer").resolve(), timeout=args.timeout)
    result = slicer.slice(stl, profile, size_mm=info.size_mm)
    seconds = result.estimated_seconds
    _print_json(
        {
            **result.to_json(),
            "estimated": f"{seconds // 3600}h {seconds % 3600 // 60}m {seconds % 60}s",
            "model": {"size_mm": info.size_mm, "triangles": info.triangles, "sha256": info.sha256},
        }
    )
    return 0


def _twin_validate(args: argparse.Namespace) -> int:
    from offchain.canonical import digest, parse_json
    from offchain.twins.schema import validate

    document = parse_json(Path(args.file).read_bytes(), f"document {args.file}")
    kind = validate(document)
    _print_json({"valid": True, "kind": kind, "digest": "0x" + digest(document).hex()})
    return 0


def _match(args: argparse.Namespace) -> int:
    from offchain.canonical import parse_json
    from offchain.matching.metrics import quality
    from offchain.matching.snapshot import Snapshot, load_inputs

    def read(path: str, what: str) -> object:
        return parse_json(Path(path).read_bytes(), f"{what} {path}")

    if args.snapshot:
        snapshot = Snapshot.from_json(read(args.snapshot, "snapshot"))
    else:
        if not (args.orders and args.printers and args.rule):
            raise ImseError("give --orders, --printers and --rule (or --snapshot)")
        snapshot = load_inputs(
            read(args.orders, "orders"),
            read(args.printers, "printers"),
            read(args.rule, "rule"),
            now=args.now,
            mode=args.mode or "rule",
        )
    if args.mode and args.snapshot:
        snapshot = dataclasses.replace(snapshot, mode=args.mode)
    started = time.perf_counter()
    result = snapshot.run()
    elapsed = time.perf_counter() - started
    _print_json(
        {
            "mode": snapshot.mode,
            "rule": snapshot.rule.name,
            "input_digest": "0x" + snapshot.digest().hex(),
            "seconds": round(elapsed, 4),
            "quality": quality(result, snapshot.orders, snapshot.printers).to_json(),
            **result.to_json(),
        }
    )
    return 0


def _matcher_env(args: argparse.Namespace) -> tuple[Chain, KuboStorage]:
    from offchain.chain.connection import connect
    from offchain.chain.registry import load_registry
    from offchain.storage.kubo import KuboStorage

    chain = connect(args.rpc, load_registry(Path(args.registry)))
    return chain, KuboStorage(args.ipfs_api, timeout=30)


def _matcher_run(args: argparse.Namespace) -> int:
    from offchain.bot.run import run_matcher

    key = Path(args.key_file).read_text().strip() if args.key_file else os.environ.get("IMSE_MATCHER_KEY", "")
    if not key:
        raise ImseError("no matcher key: set $IMSE_MATCHER_KEY or pass --key-file (a file holding the hex key)")
    chain, storage = _matcher_env(args)
    run_matcher(
        chain,
        storage,
        key,
        rule_id=args.rule_id,
        rule_version=args.rule_version,
        state=Path(args.state) if args.state else None,
        cache_dir=Path(args.cache_dir) if args.cache_dir else None,
        confirmations=args.confirmations,
        mode=args.mode,
        poll_seconds=args.poll,
    )
    return 0


def _matcher_verify(args: argparse.Namespace) -> int:
    from offchain.bot.verify import verify_batch

    chain, storage = _matcher_env(args)
    check = verify_batch(chain, storage, args.batch)
    _print_json(check.to_json())
    return 0 if check.ok else 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="imse", description="imseStudio command line.")
    parser.add_argument("--version", action="version", version=f"imse {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("doctor", help="show the toolchain this project installed and its versions")

    stl = commands.add_parser("stl", help="STL models").add_subparsers(dest="stl_command", metavar="ACTION")
    info = stl.add_parser("info", help="measure an STL file (JSON on stdout)")
    info.add_argument("file", help="binary or ASCII STL")
    info.add_argument("--scale", type=float, default=1.0, help="scale factor applied to the model [1.0]")
    info.add_argument("--max-bytes", type=int, default=100 * 1024 * 1024, help="file size limit [100 MiB]")
    info.add_argument("--max-triangles", type=int, default=2_000_000, help="triangle limit [2,000,000]")
    info.add_argument("--max-size-mm", type=float, default=2000.0, help="longest side limit, mm [2000]")

    sl = commands.add_parser("slice", help="slice an STL with PrusaSlicer: G-code + estimated print time (JSON)")
    sl.add_argument("file", help="binary or ASCII STL")
    source = sl.add_mutually_exclusive_group(required=True)
    source.add_argument("--profile", help="slicer profile JSON (nozzle_mm, layer_height_mm, bed_x_mm, …)")
    source.add_argument("--twin", help="printer twin JSON: the profile is derived from it")
    sl.add_argument("--material", help="catalogue material (PLA, ABS, PETG, TPU, Nylon) [profile's, else PLA]")
    sl.add_argument("--infill", type=int, help="infill percent [profile's, else 20]")
    sl.add_argument("--layer-height", type=float, help="layer height, mm [profile's / the printer's first]")
    sl.add_argument("--cache-dir", help="G-code cache folder [data/slicer]")
    sl.add_argument("--timeout", type=float, default=300.0, help="seconds before the slicer is stopped [300]")

    twin = commands.add_parser("twin", help="twin documents").add_subparsers(dest="twin_command", metavar="ACTION")
    validate = twin.add_parser("validate", help="check a twin document against its kind's JSON Schema")
    validate.add_argument("file")
    match = commands.add_parser("match", help="plan orders on printers under a rule (what-if; JSON on stdout)")
    match.add_argument("--orders", help='orders JSON: a list, or {"now": T, "orders": [...]}')
    match.add_argument("--printers", help="printers JSON (capability, status, shifts, busy_until)")
    match.add_argument("--rule", help="rule spec JSON (see offchain/matching/rules/)")
    match.add_argument("--snapshot", help="a batch's input snapshot (from IPFS) instead of the three files")
    match.add_argument("--mode", choices=["rule", "optimal"], default=None, help="rule (default) or optimal")
    match.add_argument("--now", type=int, help="window start, unix seconds [the orders file's, else now]")

    matcher = commands.add_parser("matcher", help="the matcher bot and batch verification").add_subparsers(
        dest="matcher_command", metavar="ACTION"
    )
    for name, text in (
        ("run", "run the matcher bot until SIGTERM / Ctrl-C"),
        ("verify", "re-run a published batch and confirm its decisions (exit 1 when not)"),
    ):
        sub = matcher.add_parser(name, help=text)
        sub.add_argument("--rpc", default="http://127.0.0.1:30413", help="node RPC URL [the matcher node]")
        sub.add_argument("--registry", default="deployments/imse.json", help="deployment registry")
        sub.add_argument("--ipfs-api", default="http://127.0.0.1:30510", help="kubo RPC URL")
        if name == "verify":
            sub.add_argument("batch", type=int, help="batch id (MatchBatchPublished)")
            continue
        sub.add_argument("--rule-id", type=int, required=True, help="registered rule (ape run matcher rules list)")
        sub.add_argument("--rule-version", type=int, help="[the rule's latest version]")
        sub.add_argument("--key-file", help="file with the matcher's hex private key [$IMSE_MATCHER_KEY]")
        sub.add_argument("--state", help="checkpoint file [data/matcher/checkpoint.json]")
        sub.add_argument("--confirmations", type=int, help="blocks to wait [signers // 2 + 1]")
        sub.add_argument("--mode", choices=["rule", "optimal"], default="rule")
        sub.add_argument("--poll", type=float, default=1.0, help="seconds between checks [1]")
        sub.add_argument("--cache-dir", help="slicer cache [data/slicer]")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    handlers = {
        ("doctor", None): lambda _: _doctor(),
        ("stl", "info"): _stl_info,
        ("slice", None): _slice,
        ("twin", "validate"): _twin_validate,
        ("match", None): _match,
        ("matcher", "run"): _matcher_run,
        ("matcher", "verify"): _matcher_verify,
    }
    action = getattr(args, f"{args.command}_command", None) if args.command else None
    handler = handlers.get((args.command, action))
    if handler is None:
        parser.print_help()
        return 0 if args.command is None else 2
    try:
        return int(handler(args))
    except (ImseError, OSError) as err:
        from offchain.cli.messages import message

        print(f"imse: error: {message(err)}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
