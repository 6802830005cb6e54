"""The exception tree of imseStudio. Every error the package raises on purpose derives from ImseError, and also from
the builtin it resembles, so callers can catch either.

    ImseError
    ├── ConfigError (ValueError)          bad configuration or parameters
    ├── ToolchainError (RuntimeError)     a required tool is missing or the wrong version
    ├── AbiError (RuntimeError)           exported ABI files are missing or stale
    ├── NetworkError (RuntimeError)       the clique network cannot do what was asked
    │   ├── NetworkExistsError            a network folder is already there (use --force)
    │   ├── NetworkMissingError           no network has been created in that folder
    │   ├── NodeStartError                a geth node did not start or did not become ready
    │   └── RpcError                      a node's RPC is unreachable or answered an error
    ├── RegistryError (LookupError)       no deployment registry, or it does not match the chain
    ├── OrderNotFoundError (LookupError)  no order with that id (checked before a call is built)
    ├── ChainError (RuntimeError)         a chain request or transaction failed (not a contract's refusal)
    │   └── TransactionTimeoutError       a transaction was not mined before its deadline (fee bumps included)
    ├── ContractRevertError (RuntimeError)  a contract refused a call: its custom error's name and arguments
    │   ├── NotAuthorisedError (PermissionError)  the caller lacks the role / ownership / assignment
    │   ├── NotFoundError (LookupError)   no order, twin, rule or catalogue entry with that id
    │   ├── InvalidStateError             the order / twin is not in a state that allows the call (stale view)
    │   ├── ConstraintViolatedError       the order does not fit the printer (the failed constraint named)
    │   └── InvalidInputError (ValueError)  a value the contract refuses whatever the state
    ├── StorageError (RuntimeError)       the file store (IPFS) cannot do what was asked
    │   ├── ContentNotFoundError          no object with that CID could be fetched in time
    │   ├── ContentTooLargeError          an object is over the size limit (checked while streaming)
    │   ├── IntegrityError                fetched content does not match the digest recorded on chain
    │   └── SwarmError                    the private IPFS swarm cannot be created, started or reached
    ├── TwinError (ValueError)            a digital twin operation was refused
    │   ├── TwinValidationError           a document does not match its kind's JSON Schema / catalogue
    │   ├── PatchError                    a JSON Patch is malformed or does not apply
    │   ├── DraftNotFoundError            no local draft with that id
    │   ├── TwinNotFoundError             no published twin with that id
    │   └── StaleVersionError             someone else updated the twin first (optimistic concurrency)
    ├── StlError (ValueError)             an STL file is malformed, empty, degenerate or too large
    ├── SlicerError (RuntimeError)        the slicer is missing, failed or timed out
    └── WebError                          a web request was refused (carries its HTTP status and field)
        ├── BadRequestError (ValueError)  malformed or out-of-range input (400)
        ├── SignInError (PermissionError) a Sign-In with Ethereum message or signature refused (401)
        ├── NotSignedInError              the call needs a signed-in session (401)
        ├── RoleRequiredError             the account lacks the on-chain role (403)
        ├── NeedsGasError                 the account cannot pay for the transaction's gas (402; request gas)
        ├── FaucetRefusedError            the faucet will not drip now (429; the reason's code in details)
        ├── RateLimitedError              a limit or quota of this server is reached (429; when to retry)
        └── WrongHostError                the request names a Host this server does not serve (421)
"""

from __future__ import annotations


class ImseError(Exception):
    """Root of every error raised by imseStudio on purpose."""


class ConfigError(ImseError, ValueError):
    """Configuration or parameters are invalid."""


class ToolchainError(ImseError, RuntimeError):
    """A required tool is missing or has the wrong version."""


class AbiError(ImseError, RuntimeError):
    """The exported ABI files under interfaces/ do not match the compiled contracts."""

    def __init__(self, stale: list[str]) -> None:
        self.stale = stale
        super().__init__("exported ABIs are stale or missing for: " + ", ".join(stale) + " (run: ape run abi export)")


class NetworkError(ImseError, RuntimeError):
    """The clique network cannot do what was asked."""


class NetworkExistsError(NetworkError):
    """A network already exists where a new one was to be created."""

    def __init__(self, root: object) -> None:
        super().__init__(f"a network already exists in {root} (pass --force to replace it; its chain data is lost)")


class NetworkMissingError(NetworkError):
    """No network has been created in the folder."""

    def __init__(self, root: object) -> None:
        super().__init__(f"no network in {root}: create one with `ape run genesis`")


class NodeStartError(NetworkError):
    """A geth node did not start, or did not become ready in time."""

    def __init__(self, node: str, reason: str, log_tail: str = "") -> None:
        self.node = node
        tail = f"\nlast lines of its log:\n{log_tail}" if log_tail else ""
        super().__init__(f"node {node}: {reason}{tail}")


class RpcError(NetworkError):
    """A node's JSON-RPC endpoint is unreachable or answered an error."""

    def __init__(self, url: str, method: str, reason: str) -> None:
        self.url, self.method, self.reason = url, method, reason
        super().__init__(f"{method} at {url}: {reason}")


class RegistryError(ImseError, LookupError):
    """No deployment registry for the network, or it does not match the chain."""


class OrderNotFoundError(ImseError, LookupError):
    """No order with that id (checked before a call is built)."""

    def __init__(self, order_id: int, count: int) -> None:
        self.order_id = order_id
        super().__init__(f"no order {order_id} (orders are numbered 1..{count})")


class StorageError(ImseError, RuntimeError):
    """The file store (IPFS) cannot do what was asked."""


class ContentNotFoundError(StorageError, LookupError):
    """No object with that CID could be fetched within the timeout."""

    def __init__(self, cid: str, reason: str = "not found") -> None:
        self.cid = cid
        super().__init__(f"{cid}: {reason}")


class ContentTooLargeError(StorageError):
    """An object is larger than the limit; the read stopped at the limit."""

    def __init__(self, what: str, limit: int) -> None:
        self.limit = limit
        super().__init__(f"{what} is larger than the limit of {limit:,} bytes")


class IntegrityError(StorageError):
    """Content read back does not match the digest recorded for it (on chain)."""

    def __init__(self, cid: str, expected: str, actual: str) -> None:
        self.cid, self.expected, self.actual = cid, expected, actual
        super().__init__(f"{cid}: content digest {actual} does not match the recorded {expected}")


class SwarmError(StorageError):
    """The private IPFS swarm cannot be created, started or reached."""


class TwinError(ImseError, ValueError):
    """A digital twin operation was refused."""


class TwinValidationError(TwinError):
    """A twin document does not match its kind's schema or the catalogue; `problems` lists each one with its path."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid twin document: " + "; ".join(problems))


class PatchError(TwinError):
    """A JSON Patch is malformed or does not apply to the document."""


class DraftNotFoundError(TwinError, LookupError):
    """No local draft with that id."""

    def __init__(self, draft_id: int) -> None:
        self.draft_id = draft_id
        super().__init__(f"no draft {draft_id} (see the list of drafts)")


class TwinNotFoundError(TwinError, LookupError):
    """No published twin with that id."""

    def __init__(self, twin_id: int) -> None:
        self.twin_id = twin_id
        super().__init__(f"no published twin {twin_id}")


class StaleVersionError(TwinError):
    """The twin moved on since the version an update was made against (like HTTP If-Match failing)."""

    def __init__(self, twin_id: int, expected: int, current: int) -> None:
        self.twin_id, self.expected, self.current = twin_id, expected, current
        super().__init__(
            f"someone else updated twin {twin_id} to version {current} (your change was made against version "
            f"{expected}); nothing was written — fetch version {current} and apply your change again"
        )


class StlError(ImseError, ValueError):
    """An STL file is malformed, empty, degenerate or too large; nothing was uploaded."""


class SlicerError(ImseError, RuntimeError):
    """The slicer is missing, failed or timed out."""


class ChainError(ImseError, RuntimeError):
    """A chain request or transaction failed for a reason other than a contract's custom error."""


class TransactionTimeoutError(ChainError, TimeoutError):
    """A transaction was not mined before its deadline (after every fee bump)."""


class ContractRevertError(ImseError, RuntimeError):
    """A contract refused a call (simulated or mined) with one of its custom errors.

    `error` is the custom error's name (e.g. `OrderBookNotCustomer`), `arguments` its named arguments, `contract`
    the contract called, `function` the function, `tx_hash` the mined transaction when there was one.
    """

    def __init__(
        self,
        contract: str,
        error: str,
        arguments: dict[str, object],
        *,
        function: str = "",
        tx_hash: str | None = None,
    ) -> None:
        self.contract, self.error, self.arguments = contract, error, dict(arguments)
        self.function, self.tx_hash = function, tx_hash
        detail = ", ".join(f"{k}={_show(v)}" for k, v in self.arguments.items())
        call = f"{contract}.{function}" if function else contract
        mined = f" (transaction {tx_hash})" if tx_hash else ""
        super().__init__(f"{call} refused: {error}({detail}){mined}")


def _show(value: object) -> str:
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    return str(value)


class NotAuthorisedError(ContractRevertError, PermissionError):
    """The caller lacks the role, ownership or assignment the call needs."""


class NotFoundError(ContractRevertError, LookupError):
    """No order, twin, rule or catalogue entry with that id."""


class InvalidStateError(ContractRevertError):
    """The order or twin is not in a state that allows the call (someone moved it since it was read)."""


class ConstraintViolatedError(ContractRevertError):
    """The order does not fit the printer; `arguments["constraint"]` names the first failed constraint."""


class InvalidInputError(ContractRevertError, ValueError):
    """A value the contract refuses whatever the state (zero size, unknown material, bad batch size…)."""


class WebError(ImseError):
    """A web request was refused; `status` is the HTTP status the API answers with, `field` the form field at
    fault (if one is)."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None, details: dict[str, object] | None = None) -> None:
        super().__init__(message)
        self.field, self.details = field, dict(details or {})


class BadRequestError(WebError, ValueError):
    """A request's input is malformed or out of range (the field is named)."""


class SignInError(WebError, PermissionError):
    """A Sign-In with Ethereum message or signature was refused (tampered, expired, replayed, wrong site/chain)."""

    status = 401


class NotSignedInError(WebError, PermissionError):
    """The page or call needs a signed-in session."""

    status = 401


class RoleRequiredError(WebError, PermissionError):
    """The signed-in account lacks the on-chain role the page or call needs."""

    status = 403


class NeedsGasError(WebError):
    """The signed-in account's balance cannot pay for the transaction's gas (`details`: needed and balance in wei);
    the page offers the faucet instead of letting the wallet fail."""

    status = 402


class FaucetRefusedError(WebError):
    """The faucet will not drip now: `details["reason"]` is one of disabled, above_threshold, too_soon,
    daily_budget, rate_limited, busy."""

    status = 429


class RateLimitedError(WebError):
    """A limit or quota of this server is reached (requests per minute, open live streams, stored designs);
    `details["retry_after"]` says in how many seconds to try again, when that helps."""

    status = 429


class WrongHostError(WebError):
    """The request's Host is not this site's (DNS rebinding, a relaying proxy, a mistyped name): refused before any
    route runs."""

    status = 421
