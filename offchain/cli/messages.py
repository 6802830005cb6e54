"""The one place that turns the exception tree into a one-line message for a person: the `imse` command and the
ape scripts print it (the web's error handler will reuse it). A contract's refusal gets its decoded error and,
where there is one, what to do about it."""

from __future__ import annotations

from offchain.exceptions import ContractRevertError, ImseError

HINTS: dict[str, str] = {
    "AccessControlUnauthorizedAccount": "this account lacks the role; the consortium admin grants roles",
    "OrderBookNotCustomer": "only the customer who placed the order can do that",
    "OrderBookOrderNotFound": "check the order id (`ape run orders list`)",
    "OrderBookInvalidTransition": "the order moved on since you looked (`ape run orders show ID`)",
    "OrderBookUnknownMaterial": "use a material of the catalogue (`ape run catalogue list`)",
    "OrderBookUnknownColour": "use a colour of the catalogue (`ape run catalogue list`)",
    "OrderBookDueDateInPast": "pick a due date in the future",
    "TwinRegistryNotTwinOwner": "only the twin's owner can do that",
    "TwinRegistryNotTwinOwnerOrOperator": "only the twin's owner or one of its operators can do that",
    "TwinRegistryTwinNotFound": "check the twin id (`ape run twins list`)",
    "TwinRegistryCatalogueEntryExists": "that code is taken (`ape run catalogue list`)",
    "MatchLedgerOrderNotMatchable": "the order is not waiting for a match (matched, cancelled or printed already)",
    "MatchLedgerOrderNotMatched": "the order has no live match",
    "MatchLedgerTwinNotAvailable": "the printer is not available (see `ape run twins list`)",
    "MatchLedgerConstraintViolated": "the order does not fit that printer",
    "ExecutionLogNotTwinOwner": "only the owner of the order's printer assigns operators",
    "ExecutionLogNotTwinOperator": (
        "the printer's owner authorises operators first (`ape run tasks operator TWIN ADDRESS`)"
    ),
    "ExecutionLogNotTaskOperator": "only the operator assigned to the task (or the printer's owner) can do that",
    "ExecutionLogInvalidOrderStatus": "the order is not at that step (`ape run orders show ID`)",
}


def message(err: BaseException) -> str:
    """A one-line explanation of `err` for a person."""
    if isinstance(err, ContractRevertError):
        hint = HINTS.get(err.error)
        return f"{err} — {hint}" if hint else str(err)
    if isinstance(err, ImseError):
        return str(err)
    if isinstance(err, OSError):
        where = f"{err.filename}: " if err.filename else ""
        return f"{where}{err.strerror or err}"
    return f"{type(err).__name__}: {err}"
