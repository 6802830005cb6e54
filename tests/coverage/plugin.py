"""Wiring into the test session: `ape test --coverage --network ethereum:local:foundry` traces what the tests run
(`collector.py`) and prints, under ape's "Coverage Profile" heading, the table per source, every statement and branch
way never reached, and writes `.build/coverage/coverage.xml` (Cobertura) and `.build/coverage/index.html`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from tests.coverage import report
from tests.coverage.collector import Collector, install
from tests.coverage.sources import build_index

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / ".build" / "coverage"
SHIM = ROOT / ".tools" / "solcx" / "solc-v0.8.28"


class Coverage:
    def __init__(self) -> None:
        self.requested = False
        self.collector: Collector | None = None
        self._names: dict[str, str | None] = {}
        self.failure: str | None = None

    def configure(self, config: Any) -> None:
        self.requested = bool(config.getoption("coverage", False))
        if self.requested:
            install(self.collector_for)
            from ape.pytest.coverage import CoverageTracker

            CoverageTracker.show_session_coverage = lambda _tracker: self.show()  # type: ignore[method-assign]

    def collector_for(self) -> Collector | None:
        if not self.requested:
            return None
        if self.collector is None:
            import ape

            if ape.chain.provider.name != "foundry":
                return None  # shown at the end: coverage needs the tracing provider
            if self.failure is not None:
                return None
            try:
                index = build_index(ape.project, ape.compilers.solidity, SHIM)
            except Exception as err:  # shown at the end; the tests themselves must not fail because of it
                self.failure = f"{type(err).__name__}: {err}"
                return None
            self.collector = Collector(index, self._name_of)
        return self.collector

    def _name_of(self, address: str) -> str | None:
        if address not in self._names:
            import ape
            from eth_utils import to_checksum_address

            contract_type = ape.chain.contracts.get(to_checksum_address(address))
            if contract_type is None:
                return None  # not known yet (its deployment is being traced): ask again next time
            self._names[address] = contract_type.name
        return self._names[address]

    def show(self) -> bool:
        if self.failure is not None:
            click.secho(f"coverage could not be measured: {self.failure}", fg="red")
            return True
        if self.collector is None:
            click.secho(
                "coverage needs a tracing provider: ape test --coverage --network ethereum:local:foundry",
                fg="yellow",
            )
            return True
        index = self.collector.index
        click.echo(report.table(index))
        for failure in self.collector.failures:
            click.secho(f"tracing failed (that execution is not counted): {failure}", fg="red")
        click.echo(f"\n{self.collector.traces} executions traced. Never reached:")
        for line in report.missed(index):
            click.echo(f"  {line}")
        if shared := report.unmeasurable(index):
            click.echo("\nNot measurable (no instruction of their own; the optimizer shares their code):")
            for line in shared:
                click.echo(f"  {line}")
        report.write_xml(index, OUTPUT / "coverage.xml")
        report.write_html(index, OUTPUT / "index.html")
        click.echo(f"\nwrote {OUTPUT / 'coverage.xml'} and {OUTPUT / 'index.html'}")
        return True


COVERAGE = Coverage()
