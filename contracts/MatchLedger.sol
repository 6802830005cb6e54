// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IExecutionLog} from "./interfaces/IExecutionLog.sol";
import {IMatchLedger} from "./interfaces/IMatchLedger.sol";
import {IOrderBook} from "./interfaces/IOrderBook.sol";
import {ITwinRegistry} from "./interfaces/ITwinRegistry.sol";
import {MatchConstraints} from "./libraries/MatchConstraints.sol";

/// @title MatchLedger
/// @notice Versioned matching rules, customer importance and on-chain-checked matches. See IMatchLedger.
/// @dev Must be OrderBook's match writer (fixed at deploy), with the ExecutionLog wired in (`setExecutionLog`).
contract MatchLedger is IMatchLedger, AccessControl {
    /// @inheritdoc IMatchLedger
    bytes32 public constant MATCHER_ROLE = keccak256("MATCHER_ROLE");
    /// @inheritdoc IMatchLedger
    uint256 public constant MAX_BATCH_SIZE = 100;
    /// @inheritdoc IMatchLedger
    uint32 public constant MAX_ESTIMATED_SECONDS = 30 days;
    /// @inheritdoc IMatchLedger
    uint40 public constant START_TOLERANCE = 1 hours;
    /// @inheritdoc IMatchLedger
    uint40 public constant MAINTENANCE_GRACE = 1 hours;

    IOrderBook private immutable _orderBook;
    ITwinRegistry private immutable _twinRegistry;
    IExecutionLog private _executionLog;

    /// @dev Ids the next rule and batch get; start at 1 and are never zero (see OrderBook._nextOrderId).
    uint32 private _nextRuleId = 1;
    uint40 private _nextBatchId = 1;
    mapping(uint32 ruleId => uint32 latestVersion) private _latestRuleVersion;
    mapping(uint32 ruleId => mapping(uint32 version => bytes32 specDigest)) private _ruleDigests;
    mapping(address customer => uint8 importance) private _importance;
    mapping(uint256 orderId => Match) private _matches;

    /// @param admin The consortium admin (DEFAULT_ADMIN_ROLE), who grants MATCHER_ROLE.
    constructor(address admin, IOrderBook orderBook, ITwinRegistry twinRegistry) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _orderBook = orderBook;
        _twinRegistry = twinRegistry;
    }

    // ------------------------------------------------------------------ rules

    /// @inheritdoc IMatchLedger
    function registerRule(string calldata name, bytes32 specDigest, string calldata specCid)
        external
        onlyRole(MATCHER_ROLE)
        returns (uint32 ruleId)
    {
        if (bytes(name).length == 0) revert MatchLedgerInvalidRule();
        ruleId = _nextRuleId++;
        _addVersion(ruleId, 1, name, specDigest, specCid);
    }

    /// @inheritdoc IMatchLedger
    function registerRuleVersion(uint32 ruleId, bytes32 specDigest, string calldata specCid)
        external
        onlyRole(MATCHER_ROLE)
        returns (uint32 version)
    {
        uint32 latest = _latestRuleVersion[ruleId];
        if (latest == 0) revert MatchLedgerRuleNotFound(ruleId);
        version = latest + 1;
        _addVersion(ruleId, version, "", specDigest, specCid);
    }

    /// @inheritdoc IMatchLedger
    function latestRuleVersion(uint32 ruleId) external view returns (uint32) {
        return _latestRuleVersion[ruleId];
    }

    /// @inheritdoc IMatchLedger
    function ruleSpecDigest(uint32 ruleId, uint32 version) external view returns (bytes32) {
        return _ruleDigests[ruleId][version];
    }

    /// @inheritdoc IMatchLedger
    function ruleCount() external view returns (uint32) {
        return _nextRuleId - 1;
    }

    // ------------------------------------------------------------------ customers

    /// @inheritdoc IMatchLedger
    function setCustomerImportance(address customer, uint8 importance) external onlyRole(MATCHER_ROLE) {
        _importance[customer] = importance;
        emit CustomerImportanceSet(customer, importance, msg.sender);
    }

    /// @inheritdoc IMatchLedger
    function customerImportance(address customer) external view returns (uint8) {
        return _importance[customer];
    }

    // ------------------------------------------------------------------ matches

    /// @inheritdoc IMatchLedger
    function publishMatches(bytes32 inputDigest, string calldata inputCid, MatchInput[] calldata matches)
        external
        onlyRole(MATCHER_ROLE)
        returns (uint40 batchId)
    {
        uint256 count = matches.length;
        if (count == 0 || count > MAX_BATCH_SIZE) revert MatchLedgerInvalidBatchSize(count, MAX_BATCH_SIZE);
        batchId = _nextBatchId++;
        emit MatchBatchPublished(batchId, msg.sender, inputDigest, inputCid, count);
        bool automatic = false;
        for (uint256 i; i < count; ++i) {
            MatchInput calldata m = matches[i];
            // Malformed input reverts the call: nothing in it depends on what others did since planning.
            _checkRule(m.ruleId, m.ruleVersion);
            if (m.ruleId != 0) {
                automatic = true;
                if (bytes(m.gcodeCid).length == 0) revert MatchLedgerMissingGcode(m.orderId);
            }
            if (
                m.estimatedSeconds == 0 || m.estimatedSeconds > MAX_ESTIMATED_SECONDS
                    || uint256(m.plannedStart) + START_TOLERANCE < block.timestamp
            ) revert MatchLedgerInvalidPlan(m.orderId, m.plannedStart, m.estimatedSeconds);
            // State the others may have changed since planning skips just this item.
            (SkipReason reason, uint8 detail, bool ok) = _matchable(m.orderId, m.twinId);
            if (!ok) {
                emit MatchSkipped(batchId, m.orderId, m.twinId, reason, detail);
                continue;
            }
            // Invariant: an order has at most one match; Placed/Rework → Matched makes a second one in this or any
            // later batch skip until the order is back in a pool.
            _matches[m.orderId] = Match({
                twinId: m.twinId,
                ruleId: m.ruleId,
                ruleVersion: m.ruleVersion,
                plannedStart: m.plannedStart,
                estimatedSeconds: m.estimatedSeconds,
                batchId: batchId
            });
            _orderBook.setStatus(m.orderId, IOrderBook.OrderStatus.Matched);
            emit OrderMatched(
                m.orderId, m.twinId, batchId, m.ruleId, m.ruleVersion, m.plannedStart, m.estimatedSeconds, m.gcodeCid
            );
        }
        // A rule-made decision must be re-playable: it needs the engine's input snapshot.
        if (automatic && (inputDigest == bytes32(0) || bytes(inputCid).length == 0)) {
            revert MatchLedgerMissingInputDigest();
        }
    }

    /// @inheritdoc IMatchLedger
    function unmatch(uint256 orderId) external {
        IOrderBook.Order memory order = _orderBook.getOrder(orderId);
        if (order.status != IOrderBook.OrderStatus.Matched) revert MatchLedgerOrderNotMatched(orderId, order.status);
        uint64 twinId = _matches[orderId].twinId;
        if (!hasRole(MATCHER_ROLE, msg.sender) && !_stranded(order, _matches[orderId])) {
            revert MatchLedgerMatchNotStranded(orderId);
        }
        delete _matches[orderId];
        _orderBook.setStatus(
            orderId, order.reworkCount == 0 ? IOrderBook.OrderStatus.Placed : IOrderBook.OrderStatus.Rework
        );
        IExecutionLog executionLog = _executionLog;
        if (address(executionLog) != address(0)) executionLog.clearAssignment(orderId);
        emit OrderUnmatched(orderId, twinId, msg.sender);
    }

    /// @inheritdoc IMatchLedger
    function isStranded(uint256 orderId) external view returns (bool) {
        IOrderBook.Order memory order = _orderBook.getOrder(orderId);
        return order.status == IOrderBook.OrderStatus.Matched && _stranded(order, _matches[orderId]);
    }

    /// @inheritdoc IMatchLedger
    function getMatch(uint256 orderId) external view returns (Match memory) {
        return _matches[orderId];
    }

    /// @inheritdoc IMatchLedger
    function setExecutionLog(address executionLog) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (address(_executionLog) != address(0) || executionLog == address(0)) revert MatchLedgerExecutionLogFixed();
        _executionLog = IExecutionLog(executionLog);
        emit ExecutionLogSet(executionLog);
    }

    /// @inheritdoc IMatchLedger
    function clearMatch(uint256 orderId) external {
        if (msg.sender != address(_executionLog) || msg.sender == address(0)) {
            revert MatchLedgerNotExecutionLog(msg.sender);
        }
        delete _matches[orderId];
    }

    /// @inheritdoc IMatchLedger
    function checkConstraints(MatchConstraints.Part calldata part, ITwinRegistry.Capability calldata capability)
        external
        pure
        returns (MatchConstraints.Constraint)
    {
        return MatchConstraints.check(part, capability);
    }

    /// @inheritdoc IMatchLedger
    function batchCount() external view returns (uint40) {
        return _nextBatchId - 1;
    }

    // ------------------------------------------------------------------ internals

    function _addVersion(uint32 ruleId, uint32 version, string memory name, bytes32 specDigest, string calldata cid)
        private
    {
        if (specDigest == bytes32(0) || bytes(cid).length == 0) revert MatchLedgerInvalidRule();
        _latestRuleVersion[ruleId] = version;
        _ruleDigests[ruleId][version] = specDigest;
        emit RuleRegistered(ruleId, version, name, specDigest, cid);
    }

    function _checkRule(uint32 ruleId, uint32 ruleVersion) private view {
        if (ruleId == 0) {
            if (ruleVersion != 0) revert MatchLedgerRuleVersionNotFound(0, ruleVersion);
            return;
        }
        uint32 latest = _latestRuleVersion[ruleId];
        if (latest == 0) revert MatchLedgerRuleNotFound(ruleId);
        if (ruleVersion == 0 || ruleVersion > latest) revert MatchLedgerRuleVersionNotFound(ruleId, ruleVersion);
    }

    /// @dev The on-chain re-check of one item: the order waits for a match, the twin is an available printer, and
    /// the part passes every basic constraint on the twin's current capability. A missing twin or a non-printer
    /// reverts (malformed input); the rest is state and makes the item skip (`ok` false, with the reason).
    function _matchable(uint256 orderId, uint64 twinId)
        private
        view
        returns (SkipReason reason, uint8 detail, bool ok)
    {
        ITwinRegistry.Twin memory twin = _twinRegistry.getTwin(twinId);
        if (twin.kind != ITwinRegistry.TwinKind.Printer) revert MatchLedgerTwinNotPrinter(twinId, twin.kind);
        IOrderBook.Order memory order = _orderBook.getOrder(orderId);
        if (order.status != IOrderBook.OrderStatus.Placed && order.status != IOrderBook.OrderStatus.Rework) {
            return (SkipReason.OrderNotMatchable, uint8(order.status), false);
        }
        if (twin.status != ITwinRegistry.TwinStatus.Available) {
            return (SkipReason.TwinNotAvailable, uint8(twin.status), false);
        }
        MatchConstraints.Constraint failed = MatchConstraints.check(MatchConstraints.partOf(order), twin.capability);
        if (failed != MatchConstraints.Constraint.None) return (SkipReason.ConstraintViolated, uint8(failed), false);
        return (SkipReason.OrderNotMatchable, 0, true);
    }

    /// @dev A match the twin can no longer print: out of service (Offline, Retired; Maintenance once the planned
    /// start is MAINTENANCE_GRACE behind) or the order no longer fits the twin's current capability.
    function _stranded(IOrderBook.Order memory order, Match storage matched) private view returns (bool) {
        ITwinRegistry.Twin memory twin = _twinRegistry.getTwin(matched.twinId);
        if (twin.status == ITwinRegistry.TwinStatus.Maintenance) {
            return block.timestamp >= uint256(matched.plannedStart) + MAINTENANCE_GRACE;
        }
        if (twin.status != ITwinRegistry.TwinStatus.Available && twin.status != ITwinRegistry.TwinStatus.Busy) {
            return true;
        }
        MatchConstraints.Constraint failed = MatchConstraints.check(MatchConstraints.partOf(order), twin.capability);
        return failed != MatchConstraints.Constraint.None;
    }
}
