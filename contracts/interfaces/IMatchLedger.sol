// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IOrderBook} from "./IOrderBook.sol";
import {ITwinRegistry} from "./ITwinRegistry.sol";
import {MatchConstraints} from "../libraries/MatchConstraints.sol";

/// @title IMatchLedger — versioned matching rules, customer importance, and published matches
/// @notice Matchers (MATCHER_ROLE) register rule specs (JSON on IPFS, digest on chain, versioned), rate customers,
/// and publish batches of (order → printer twin) matches. Every match is re-checked on chain against the stored
/// order and the twin's capability, so no matcher can publish an impossible match (the paper's future work).
/// Rule id 0 (version 0) stands for a manual match.
/// @dev A match stays true until it is printed: ExecutionLog refuses to start a task whose twin can no longer
/// print it, and such a *stranded* match can be withdrawn by anyone (`unmatch`), so the order returns to the pool.
/// ExecutionLog is wired in once after deployment (`setExecutionLog`); it clears the match on a fault, and
/// MatchLedger clears the task's operator assignment on an unmatch.
interface IMatchLedger {
    /// @notice One match in a batch.
    /// @param orderId Order to match; matched only while Placed or Rework (else the item is skipped).
    /// @param twinId Printer twin; must be a Printer; matched only while Available and passing MatchConstraints.
    /// @param ruleId Rule that decided it (0 = manual).
    /// @param ruleVersion Version of that rule (0 for manual).
    /// @param plannedStart Planned start of printing, unix seconds; not before `block.timestamp - START_TOLERANCE`.
    /// @param estimatedSeconds Slicer's estimate of the print time: 1..MAX_ESTIMATED_SECONDS.
    /// @param gcodeCid IPFS CID of the G-code (required for rule-made matches; may be empty for manual ones).
    struct MatchInput {
        uint256 orderId;
        uint64 twinId;
        uint32 ruleId;
        uint32 ruleVersion;
        uint40 plannedStart;
        uint32 estimatedSeconds;
        string gcodeCid;
    }

    /// @notice A match's on-chain record (one storage slot; the match time is the OrderMatched event's block time).
    struct Match {
        uint64 twinId;
        uint32 ruleId;
        uint32 ruleVersion;
        uint40 plannedStart;
        uint32 estimatedSeconds;
        uint40 batchId;
    }

    /// @notice Why `publishMatches` skipped an item: the chain changed after the matcher planned it.
    enum SkipReason {
        OrderNotMatchable,
        TwinNotAvailable,
        ConstraintViolated
    }

    // ------------------------------------------------------------------ errors

    /// @notice A rule needs a name, a spec digest and a spec CID.
    error MatchLedgerInvalidRule();
    /// @notice No rule has this id (rule 0 is manual and has no versions).
    error MatchLedgerRuleNotFound(uint32 ruleId);
    /// @notice The rule has no such version.
    error MatchLedgerRuleVersionNotFound(uint32 ruleId, uint32 ruleVersion);
    /// @notice A batch must hold 1..MAX_BATCH_SIZE matches.
    error MatchLedgerInvalidBatchSize(uint256 size, uint256 max);
    /// @notice A batch with a rule-made match needs the digest and the CID of the engine's input snapshot (both
    /// may be empty only for manual-only batches), so anyone can re-run it.
    error MatchLedgerMissingInputDigest();
    /// @notice A rule-made match needs the CID of its G-code.
    error MatchLedgerMissingGcode(uint256 orderId);
    /// @notice The plan is not sane: estimate 0 or above MAX_ESTIMATED_SECONDS, or a start too far in the past.
    error MatchLedgerInvalidPlan(uint256 orderId, uint40 plannedStart, uint32 estimatedSeconds);
    /// @notice The order has no current match to undo (not Matched).
    error MatchLedgerOrderNotMatched(uint256 orderId, IOrderBook.OrderStatus status);
    /// @notice Without MATCHER_ROLE only a stranded match (its twin can no longer print it) can be withdrawn.
    error MatchLedgerMatchNotStranded(uint256 orderId);
    /// @notice The twin is not a printer.
    error MatchLedgerTwinNotPrinter(uint64 twinId, ITwinRegistry.TwinKind kind);
    /// @notice Only the wired ExecutionLog may do this.
    error MatchLedgerNotExecutionLog(address caller);
    /// @notice ExecutionLog is wired once (and not to the zero address).
    error MatchLedgerExecutionLogFixed();

    // ------------------------------------------------------------------ events

    /// @notice Version `version` of rule `ruleId` was registered (version 1 creates the rule under `name`).
    event RuleRegistered(
        uint32 indexed ruleId, uint32 indexed version, string name, bytes32 specDigest, string specCid
    );
    /// @notice A matcher rated `customer`'s importance (0 = common; higher = more important, e.g. 1 = VIP).
    event CustomerImportanceSet(address indexed customer, uint8 importance, address indexed matcher);
    /// @notice Batch `batchId` was published by `matcher`; its OrderMatched events follow it.
    /// @param inputDigest Digest of the engine's input snapshot (pending orders and printer states it saw).
    /// @param inputCid IPFS CID of that snapshot, so anyone can re-run the engine.
    event MatchBatchPublished(
        uint40 indexed batchId, address indexed matcher, bytes32 inputDigest, string inputCid, uint256 count
    );
    /// @notice Order `orderId` was matched to printer `twinId` in batch `batchId`.
    event OrderMatched(
        uint256 indexed orderId,
        uint64 indexed twinId,
        uint40 indexed batchId,
        uint32 ruleId,
        uint32 ruleVersion,
        uint40 plannedStart,
        uint32 estimatedSeconds,
        string gcodeCid
    );
    /// @notice The match of `orderId` to `twinId` was withdrawn by `matcher` (a matcher, or anyone for a stranded
    /// match); the order is back in the pool.
    event OrderUnmatched(uint256 indexed orderId, uint64 indexed twinId, address indexed matcher);
    /// @notice Batch `batchId` skipped its item for `orderId`: the chain changed after planning. `detail` is the
    /// order's status (OrderNotMatchable), the twin's status (TwinNotAvailable) or the failed constraint.
    event MatchSkipped(
        uint40 indexed batchId, uint256 indexed orderId, uint64 indexed twinId, SkipReason reason, uint8 detail
    );
    /// @notice ExecutionLog `executionLog` was wired in (once).
    event ExecutionLogSet(address indexed executionLog);

    // ------------------------------------------------------------------ rules

    /// @notice Registers a new rule as version 1.
    /// @return ruleId The new rule's id (ids start at 1).
    /// Requirements:
    /// - caller has MATCHER_ROLE;
    /// - `name`, `specDigest` and `specCid` non-empty.
    function registerRule(string calldata name, bytes32 specDigest, string calldata specCid)
        external
        returns (uint32 ruleId);

    /// @notice Registers the next version of an existing rule.
    /// @return version The new version number.
    /// Requirements:
    /// - caller has MATCHER_ROLE;
    /// - rule `ruleId` exists; `specDigest` and `specCid` non-empty.
    function registerRuleVersion(uint32 ruleId, bytes32 specDigest, string calldata specCid)
        external
        returns (uint32 version);

    /// @notice Latest version of a rule (0 when the rule does not exist).
    function latestRuleVersion(uint32 ruleId) external view returns (uint32);

    /// @notice Spec digest of a rule version (zero when it does not exist).
    function ruleSpecDigest(uint32 ruleId, uint32 version) external view returns (bytes32);

    /// @notice Number of rules registered (the highest id).
    function ruleCount() external view returns (uint32);

    // ------------------------------------------------------------------ customers

    /// @notice Rates a customer's importance for ranking rules.
    /// Requirements:
    /// - caller has MATCHER_ROLE.
    function setCustomerImportance(address customer, uint8 importance) external;

    /// @notice A customer's importance (0 = common).
    function customerImportance(address customer) external view returns (uint8);

    // ------------------------------------------------------------------ matches

    /// @notice Publishes a batch of matches, each re-checked on chain. An item the chain's state no longer allows
    /// (order not Placed/Rework — a cancel, or the same order twice —, twin not Available, a constraint failing on
    /// the twin's current capability) is skipped with `MatchSkipped`, so one actor's move cannot revert everyone's
    /// matches; malformed input reverts the whole call.
    /// @param inputDigest Digest of the engine input snapshot (zero only when every match is manual).
    /// @param inputCid IPFS CID of the snapshot (required with rule-made matches).
    /// @return batchId The new batch's id (ids start at 1).
    /// Requirements (else the call reverts):
    /// - caller has MATCHER_ROLE; 1 ≤ `matches.length` ≤ MAX_BATCH_SIZE;
    /// - each twin exists and is a Printer; each plan sane (see MatchInput);
    /// - each rule id 0 with version 0, or an existing rule version; a rule-made match has a G-code CID, and then
    ///   the batch has an input digest and CID.
    function publishMatches(bytes32 inputDigest, string calldata inputCid, MatchInput[] calldata matches)
        external
        returns (uint40 batchId);

    /// @notice Withdraws a match that printing has not started on; the order returns to its pool (Placed, or
    /// Rework after a fault) and its task's operator assignment is cleared.
    /// Requirements:
    /// - the order is Matched;
    /// - caller has MATCHER_ROLE, or the match is stranded (`isStranded`).
    function unmatch(uint256 orderId) external;

    /// @notice Whether a Matched order's twin can no longer print it: the twin is Offline or Retired, in
    /// Maintenance since before MAINTENANCE_GRACE past the planned start (a short maintenance strands nothing), or
    /// the order fails a basic constraint on the twin's current capability.
    function isStranded(uint256 orderId) external view returns (bool);

    /// @notice The live match of an order: set while it is Matched, Printing or Printed; all zero otherwise
    /// (never matched, withdrawn, or back in Rework after a fault).
    function getMatch(uint256 orderId) external view returns (Match memory);

    /// @notice Wires in the ExecutionLog (once, at deployment).
    /// Requirements:
    /// - caller has DEFAULT_ADMIN_ROLE; not wired yet; `executionLog` non-zero.
    function setExecutionLog(address executionLog) external;

    /// @notice Clears the match of an order that went back to Rework after a fault.
    /// Requirements:
    /// - caller is the wired ExecutionLog.
    function clearMatch(uint256 orderId) external;

    /// @notice Checks an order-like part against a capability: the first failed basic constraint, or None.
    function checkConstraints(MatchConstraints.Part calldata part, ITwinRegistry.Capability calldata capability)
        external
        pure
        returns (MatchConstraints.Constraint);

    /// @notice Number of batches published (the highest id).
    function batchCount() external view returns (uint40);

    /// @notice Role of matchers and the matcher bot.
    function MATCHER_ROLE() external view returns (bytes32);

    /// @notice Most matches in one batch.
    function MAX_BATCH_SIZE() external view returns (uint256);

    /// @notice Longest print estimate a match may carry (30 days).
    function MAX_ESTIMATED_SECONDS() external view returns (uint32);

    /// @notice How far in the past a planned start may lie (1 hour: blocks and clocks drift).
    function START_TOLERANCE() external view returns (uint40);

    /// @notice How long past a match's planned start a twin in Maintenance keeps it before it counts as stranded
    /// (1 hour), so that one block of Maintenance does not let anyone withdraw all of a printer's matches.
    function MAINTENANCE_GRACE() external view returns (uint40);
}
