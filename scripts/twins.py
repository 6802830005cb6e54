"""Digital twins without the web UI: local drafts, publish, patch, status, list, verify, show.

    ape run twins schema printer                       the JSON Schema of a kind
    ape run twins draft new printer [--from FILE]      a local draft (from the kind's example or a file)
    ape run twins draft list | show ID | delete ID
    ape run twins draft edit ID --patch PATCH.json | --replace FILE.json
    ape run twins publish FILE.json|--draft ID  --network ethereum:imse:node --account TEST::1
    ape run twins patch TWIN_ID PATCH.json [--expected-version N] --network … --account …
    ape run twins status TWIN_ID maintenance --network … --account …
    ape run twins list [--json] --network …
    ape run twins verify TWIN_ID [--json] --network …  (exit status 1 when any revision fails)
    ape run twins show TWIN_ID [--version N] --network …

Files go to the private IPFS swarm (`ape run ipfs up`); its first node's API is used unless --ipfs-api or
$IMSE_IPFS_API says otherwise. The registry is deployments/<network>.json unless --registry.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from ape.cli import ConnectedProviderCommand, account_option, ape_cli_context

from offchain.canonical import parse_json
from offchain.chain.ape_logs import logs_to_stderr
from offchain.cli.ape_platform import connected_chain, guarded, signer_for
from offchain.cli.script_options import ipfs_option, registry_option, storage
from offchain.exceptions import ImseError
from offchain.services.twin_history import verify_history
from offchain.services.twin_service import TwinService
from offchain.settings import data_dir
from offchain.text import table
from offchain.twins.drafts import DraftStore
from offchain.twins.schema import KINDS, example_of, schema_of
from offchain.types import TwinStatus

json_option = click.option("--json", "as_json", is_flag=True, help="machine-readable output")

logs_to_stderr()  # stdout carries only results


def _fail(err: Exception) -> click.ClickException:
    return click.ClickException(str(err))


def _read_json(path: Path, what: str) -> Any:
    try:
        return parse_json(path.read_bytes(), f"{what} {path}")
    except OSError as err:
        raise click.ClickException(f"cannot read {path}: {err.strerror}") from err
    except ImseError as err:
        raise _fail(err) from err


def _service(registry_file: Path | None, ipfs_api: str | None) -> TwinService:
    return TwinService(connected_chain(registry_file), storage(ipfs_api))


def _run(action: Callable[[], Any]) -> Any:
    return guarded(action)


def _drafts() -> DraftStore:
    return DraftStore(data_dir() / "twins" / "drafts.sqlite")


def _echo_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, ensure_ascii=False))


@click.group()
def cli() -> None:
    """Digital twins: drafts, publish, patch, status, list, verify, show."""


@cli.command()
@click.argument("kind", type=click.Choice(list(KINDS)))
def schema(kind):  # type: ignore[no-untyped-def]
    """Print the JSON Schema of a twin kind."""
    _echo_json(schema_of(kind))


# ---------------------------------------------------------------------------------------------- drafts


@cli.group()
def draft() -> None:
    """Local drafts (validated on every change; nothing goes on chain until you publish)."""


@draft.command("new")
@click.argument("kind", type=click.Choice(list(KINDS)))
@click.option("--from", "source", type=click.Path(dir_okay=False, path_type=Path), help="start from this document")
def draft_new(kind, source):  # type: ignore[no-untyped-def]
    """Create a draft from the kind's example document (or from a file)."""
    document = _read_json(source, "document") if source else example_of(kind)
    if isinstance(document, dict) and document.get("kind") != kind:
        raise click.ClickException(f"the document's kind is {document.get('kind')!r}, not {kind!r}")
    created = _run(lambda: _drafts().create(document))
    click.echo(f"draft {created.id} ({created.kind} {created.name!r}) created; edit with `ape run twins draft edit`")


@draft.command("list")
@json_option
def draft_list(as_json):  # type: ignore[no-untyped-def]
    """List the drafts."""
    rows = [d.summary() for d in _drafts().list()]
    if as_json:
        _echo_json(rows)
    elif not rows:
        click.echo("no drafts (create one with `ape run twins draft new printer`)")
    else:
        header = ("id", "kind", "name", "revision", "updated", "twin")
        click.echo(table(header, [[r[key] if r[key] is not None else "-" for key in header] for r in rows]))


@draft.command("show")
@click.argument("draft_id", type=int)
def draft_show(draft_id):  # type: ignore[no-untyped-def]
    """Print a draft's document."""
    _echo_json(_run(lambda: _drafts().get(draft_id)).document)


@draft.command("edit")
@click.argument("draft_id", type=int)
@click.option("--patch", "patch_file", type=click.Path(dir_okay=False, path_type=Path), help="RFC 6902 JSON Patch")
@click.option("--replace", "replace_file", type=click.Path(dir_okay=False, path_type=Path), help="whole document")
def draft_edit(draft_id, patch_file, replace_file):  # type: ignore[no-untyped-def]
    """Change a draft by JSON Patch or whole-document replace (validated; an invalid result is not stored)."""
    if bool(patch_file) == bool(replace_file):
        raise click.UsageError("give exactly one of --patch FILE or --replace FILE")
    store = _drafts()
    if patch_file:
        patch = _read_json(patch_file, "patch")
        changed = _run(lambda: store.patch(draft_id, patch))
    else:
        document = _read_json(replace_file, "document")
        changed = _run(lambda: store.replace(draft_id, document))
    click.echo(f"draft {changed.id} is at revision {changed.revision}")


@draft.command("delete")
@click.argument("draft_id", type=int)
def draft_delete(draft_id):  # type: ignore[no-untyped-def]
    """Delete a draft."""
    _run(lambda: _drafts().delete(draft_id))
    click.echo(f"draft {draft_id} deleted")


# ---------------------------------------------------------------------------------------------- chain


@cli.command(cls=ConnectedProviderCommand)
@ape_cli_context()
@account_option()
@registry_option
@ipfs_option
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path), required=False)
@click.option("--draft", "draft_id", type=int, help="publish this draft instead of a file")
def publish(cli_ctx, network, account, registry_file, ipfs_api, source, draft_id):  # type: ignore[no-untyped-def]
    """Publish a twin document (a file or a draft) as version 1, owned by --account."""
    if bool(source) == (draft_id is not None):
        raise click.UsageError("give a FILE.json or --draft ID (one of them)")
    document = _read_json(source, "document") if source else _run(lambda: _drafts().get(draft_id)).document
    service = _service(registry_file, ipfs_api)
    signer = signer_for(service.chain, account)
    written = _run(lambda: service.publish(document, signer=signer))
    if draft_id is not None:
        _drafts().mark_published(draft_id, written.twin_id)
    cli_ctx.logger.success(
        f"twin {written.twin_id} published (version 1): document {written.spec_cid}, digest 0x{written.digest.hex()}, "
        f"block {written.block}"
    )


@cli.command(cls=ConnectedProviderCommand)
@ape_cli_context()
@account_option()
@registry_option
@ipfs_option
@click.argument("twin_id", type=int)
@click.argument("patch_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--expected-version", type=int, help="the version the patch was written against [default: current]")
def patch(cli_ctx, network, account, registry_file, ipfs_api, twin_id, patch_file, expected_version):  # type: ignore[no-untyped-def]
    """Apply a JSON Patch to a published twin and record the result as its next version."""
    operations = _read_json(patch_file, "patch")
    service = _service(registry_file, ipfs_api)
    signer = signer_for(service.chain, account)
    written = _run(lambda: service.update(twin_id, operations, signer=signer, expected_version=expected_version))
    cli_ctx.logger.success(
        f"twin {twin_id} is at version {written.version}: document {written.spec_cid}, patch {written.patch_cid}, "
        f"block {written.block}"
    )


@cli.command(cls=ConnectedProviderCommand)
@ape_cli_context()
@account_option()
@registry_option
@click.argument("twin_id", type=int)
@click.argument(
    "new_status", metavar="STATUS", type=click.Choice([s.name.lower() for s in TwinStatus if s != TwinStatus.NONE])
)
def status(cli_ctx, network, account, registry_file, twin_id, new_status):  # type: ignore[no-untyped-def]
    """Set a twin's operating status (owner or operator)."""
    service = _service(registry_file, "http://unused")
    signer = signer_for(service.chain, account)
    previous = _run(lambda: service.set_status(twin_id, TwinStatus[new_status.upper()], signer=signer))
    cli_ctx.logger.success(f"twin {twin_id}: {previous.name.lower()} → {new_status}")


@cli.command("list", cls=ConnectedProviderCommand)
@registry_option
@json_option
def list_twins(network, registry_file, as_json):  # type: ignore[no-untyped-def]
    """List every published twin."""
    service = _service(registry_file, "http://unused")
    catalogue = _run(service.catalogue)
    rows = []
    for r in _run(service.records):
        c = r.capability
        rows.append(
            {
                "id": r.twin_id,
                "kind": r.kind.name.lower(),
                "owner": r.owner,
                "version": r.version,
                "status": r.status.name.lower(),
                "build_mm": [c.build_x / 1000, c.build_y / 1000, c.build_z / 1000],
                "accuracy_mm": c.accuracy / 1000,
                "materials": catalogue.material_names(c.material_mask),
                "colours": catalogue.colour_names(c.colour_mask),
                "updated": r.updated_at,
            }
        )
    if as_json:
        _echo_json(rows)
        return
    if not rows:
        click.echo("no twins published yet")
        return
    header = ("id", "kind", "owner", "version", "status", "build (mm)", "accuracy", "materials")
    cells = [
        (
            r["id"],
            r["kind"],
            r["owner"][:10] + "…",
            r["version"],
            r["status"],
            "×".join(f"{v:g}" for v in r["build_mm"]),
            f"{r['accuracy_mm']:g} mm",
            ",".join(r["materials"]),
        )
        for r in rows
    ]
    click.echo(table(header, cells))


@cli.command(cls=ConnectedProviderCommand)
@registry_option
@ipfs_option
@json_option
@click.argument("twin_id", type=int)
def verify(network, registry_file, ipfs_api, as_json, twin_id):  # type: ignore[no-untyped-def]
    """Rebuild every revision from chain events + IPFS and check each digest; exit 1 when any check fails."""
    history = _run(lambda: verify_history(_service(registry_file, ipfs_api), twin_id))
    if as_json:
        _echo_json(
            {
                "twin": twin_id,
                "ok": history.ok,
                "problems": history.problems,
                "revisions": [r.row() for r in history.revisions],
            }
        )
    else:

        def mark(value: bool | None) -> str:
            return "-" if value is None else "ok" if value else "FAILED"

        rows = [
            (
                r.version,
                r.block,
                _time(r.timestamp),
                "0x" + r.digest.hex()[:12] + "…",
                mark(r.document_ok),
                mark(r.patch_ok),
                mark(r.capability_ok),
                r.summary,
            )
            for r in history.revisions
        ]
        click.echo(
            table(("version", "block", "time (UTC)", "digest", "document", "patch", "capability", "change"), rows)
        )
        for problem in history.problems:
            click.echo(f"problem: {problem}")
        for r in history.revisions:
            for problem in r.problems:
                click.echo(f"version {r.version}: {problem}")
        verdict = "every revision verified" if history.ok else "VERIFICATION FAILED"
        click.echo(f"twin {twin_id}: {len(history.revisions)} version(s); {verdict}")
    if not history.ok:
        sys.exit(1)


@cli.command(cls=ConnectedProviderCommand)
@registry_option
@ipfs_option
@click.argument("twin_id", type=int)
@click.option("--version", "version", type=int, help="that revision, rebuilt and verified [default: the current one]")
def show(network, registry_file, ipfs_api, twin_id, version):  # type: ignore[no-untyped-def]
    """Print a twin's document at a version (rebuilt from the chain + IPFS and checked)."""
    service = _service(registry_file, ipfs_api)
    if version is None:
        _echo_json(_run(lambda: service.document(twin_id))[1])
        return
    revision = _run(lambda: verify_history(service, twin_id).revision(version))
    if revision.document is None or revision.problems:
        raise click.ClickException(f"version {version} does not verify: " + "; ".join(revision.problems))
    _echo_json(revision.document)


def _time(timestamp: int | None) -> str:
    return "-" if timestamp is None else time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(timestamp))
