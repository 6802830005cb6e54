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
interface IMatchLedger {
    /// @notice One match in a batch.
    /// @param orderId Order to match; must be Placed or Rework.
    /// @param twinId Printer twin; must be a Printer, Available, and pass MatchConstraints.
    /// @param ruleId Rule that decided it (0 = manual).
    /// @param ruleVersion Version of that rule (0 for manual).
    /// @param plannedStart Planned start of printing, unix seconds.
    /// @param estimatedSeconds Slicer's estimate of the print time.
    /// @param gcodeCid IPFS CID of the G-code (may be empty for manual matches sliced later).
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

    // ------------------------------------------------------------------ errors

    /// @notice A rule needs a name, a spec digest and a spec CID.
    error MatchLedgerInvalidRule();
    /// @notice No rule has this id (rule 0 is manual and has no versions).
    error MatchLedgerRuleNotFound(uint32 ruleId);
    /// @notice The rule has no such version.
    error MatchLedgerRuleVersionNotFound(uint32 ruleId, uint32 ruleVersion);
    /// @notice A batch must hold 1..MAX_BATCH_SIZE matches.
    error MatchLedgerInvalidBatchSize(uint256 size, uint256 max);
    /// @notice A batch needs the digest of the engine's inputs (zero is allowed only for manual-only batches).
    error MatchLedgerMissingInputDigest();
    /// @notice The order is not waiting for a match (not Placed or Rework).
    error MatchLedgerOrderNotMatchable(uint256 orderId, IOrderBook.OrderStatus status);
    /// @notice The order has no current match to undo (not Matched).
    error MatchLedgerOrderNotMatched(uint256 orderId, IOrderBook.OrderStatus status);
    /// @notice The twin is not a printer.
    error MatchLedgerTwinNotPrinter(uint64 twinId, ITwinRegistry.TwinKind kind);
    /// @notice The twin is not Available.
    error MatchLedgerTwinNotAvailable(uint64 twinId, ITwinRegistry.TwinStatus status);
    /// @notice The order's part fails a basic constraint on the twin's capability.
    error MatchLedgerConstraintViolated(uint256 orderId, uint64 twinId, MatchConstraints.Constraint constraint);

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
    /// @notice The match of `orderId` to `twinId` was withdrawn by `matcher`; the order is back in the pool.
    event OrderUnmatched(uint256 indexed orderId, uint64 indexed twinId, address indexed matcher);

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

    /// @notice Publishes a batch of matches, each re-checked on chain; all or nothing.
    /// @param inputDigest Digest of the engine input snapshot (zero only when every match is manual).
    /// @param inputCid IPFS CID of the snapshot (may be empty with a zero digest).
    /// @return batchId The new batch's id (ids start at 1).
    /// Requirements:
    /// - caller has MATCHER_ROLE; 1 ≤ `matches.length` ≤ MAX_BATCH_SIZE;
    /// - each order Placed or Rework (so an order appears at most once in a batch);
    /// - each twin a Printer, Available, passing every basic constraint for its order;
    /// - each rule id 0 with version 0, or an existing rule version.
    function publishMatches(bytes32 inputDigest, string calldata inputCid, MatchInput[] calldata matches)
        external
        returns (uint40 batchId);

    /// @notice Withdraws a match that printing has not started on; the order returns to its pool.
    /// Requirements:
    /// - caller has MATCHER_ROLE;
    /// - the order is Matched.
    function unmatch(uint256 orderId) external;

    /// @notice The current match of an order (all zero when it has none).
    function getMatch(uint256 orderId) external view returns (Match memory);

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
}
