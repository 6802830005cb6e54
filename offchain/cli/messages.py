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
    "MatchLedgerOrderNotMatched": "the order has no live match",
    "MatchLedgerMatchNotStranded": (
        "its printer can still print it: only a matcher withdraws a match that is not stranded (a printer in "
        "maintenance keeps its matches until an hour past their planned start)"
    ),
    "MatchLedgerInvalidPlan": "give an estimate of 1 s to 30 days and a start no more than an hour ago",
    "MatchLedgerMissingGcode": "a rule-made match needs its G-code on IPFS",
    "ExecutionLogTwinNotPrintable": (
        "the printer cannot print it now; set it available again, or withdraw the stranded match "
        "(`ape run matcher unmatch ORDER`, anyone may) so the bot re-matches it"
    ),
    "ExecutionLogConstraintViolated": (
        "the printer changed since the match and no longer fits the order: withdraw the stranded match "
        "(`ape run matcher unmatch ORDER`, anyone may) so the bot re-matches it"
    ),
    "ExecutionLogNotTwinOwner": "only the owner of the order's printer assigns operators",
    "ExecutionLogNotTwinOperator": (
        "the printer's owner authorises operators first (`ape run tasks operator TWIN ADDRESS`)"
    ),
    "ExecutionLogNotTaskOperator": "only the operator assigned to the task (or the printer's owner) can do that",
    "ExecutionLogInvalidOrderStatus": "the order is not at that step (`ape run orders show ID`)",
    "ExecutionLogNotCustomer": "only the customer who placed the order can take it back",
    "ExecutionLogNotStalled": (
        "the printer still has time: an order can be taken back 3 × its estimate (an hour at least) after its start"
    ),
    "OrderBookQuantityTooLarge": "at most 10,000 copies per order: split a larger run into several orders",
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
