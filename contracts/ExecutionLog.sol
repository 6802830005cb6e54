// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IExecutionLog} from "./interfaces/IExecutionLog.sol";
import {IMatchLedger} from "./interfaces/IMatchLedger.sol";
import {IOrderBook} from "./interfaces/IOrderBook.sol";
import {ITwinRegistry} from "./interfaces/ITwinRegistry.sol";
import {MatchConstraints} from "./libraries/MatchConstraints.sol";

/// @title ExecutionLog
/// @notice The shop floor's record of printing. See IExecutionLog.
/// @dev No roles of its own: authority comes per twin from TwinRegistry (owner, operators).
contract ExecutionLog is IExecutionLog {
    /// @inheritdoc IExecutionLog
    uint32 public constant STALL_FACTOR = 3;
    /// @inheritdoc IExecutionLog
    uint32 public constant MIN_STALL_SECONDS = 1 hours;

    IOrderBook private immutable _orderBook;
    IMatchLedger private immutable _matchLedger;
    ITwinRegistry private immutable _twinRegistry;

    mapping(uint256 orderId => Task) private _tasks;

    constructor(IOrderBook orderBook, IMatchLedger matchLedger, ITwinRegistry twinRegistry) {
        _orderBook = orderBook;
        _matchLedger = matchLedger;
        _twinRegistry = twinRegistry;
    }

    /// @inheritdoc IExecutionLog
    function assignOperator(uint256 orderId, address operator) external {
        _requireStatus(orderId, IOrderBook.OrderStatus.Matched);
        uint64 twinId = _matchLedger.getMatch(orderId).twinId;
        address owner = _twinRegistry.getTwin(twinId).owner;
        if (msg.sender != owner) revert ExecutionLogNotTwinOwner(orderId, twinId, msg.sender);
        if (operator != owner && !_twinRegistry.isOperator(twinId, operator)) {
            revert ExecutionLogNotTwinOperator(twinId, operator);
        }
        _tasks[orderId].operator = operator;
        emit OperatorAssigned(orderId, twinId, operator);
    }

    /// @inheritdoc IExecutionLog
    function startTask(uint256 orderId) external {
        IOrderBook.Order memory order = _orderBook.getOrder(orderId);
        if (order.status != IOrderBook.OrderStatus.Matched) {
            revert ExecutionLogInvalidOrderStatus(orderId, order.status);
        }
        (uint64 twinId, ITwinRegistry.Twin memory twin) = _authorised(orderId);
        // The match must still be true: the twin may have been taken out of service or changed since.
        if (twin.status != ITwinRegistry.TwinStatus.Available && twin.status != ITwinRegistry.TwinStatus.Busy) {
            revert ExecutionLogTwinNotPrintable(twinId, twin.status);
        }
        MatchConstraints.Constraint failed = MatchConstraints.check(MatchConstraints.partOf(order), twin.capability);
        if (failed != MatchConstraints.Constraint.None) revert ExecutionLogConstraintViolated(orderId, twinId, failed);
        uint40 nowTime = uint40(block.timestamp);
        _tasks[orderId].startedAt = nowTime;
        _orderBook.setStatus(orderId, IOrderBook.OrderStatus.Printing);
        emit TaskStarted(orderId, twinId, msg.sender, nowTime);
    }

    /// @inheritdoc IExecutionLog
    function finishTask(uint256 orderId) external {
        _requireStatus(orderId, IOrderBook.OrderStatus.Printing);
        uint64 twinId = _authoriseLive(orderId);
        Task storage task = _tasks[orderId];
        uint40 nowTime = uint40(block.timestamp);
        task.finishedAt = nowTime;
        _orderBook.setStatus(orderId, IOrderBook.OrderStatus.Printed);
        emit TaskFinished(orderId, twinId, msg.sender, nowTime - task.startedAt);
    }

    /// @inheritdoc IExecutionLog
    function reportFault(uint256 orderId, uint16 reasonCode) external {
        _requireStatus(orderId, IOrderBook.OrderStatus.Printing);
        if (reasonCode == 0) revert ExecutionLogInvalidReason();
        (uint64 twinId,) = _authorised(orderId);
        // The next match gets a fresh task and a fresh match; this attempt lives on in the events.
        delete _tasks[orderId];
        _matchLedger.clearMatch(orderId);
        _orderBook.setStatus(orderId, IOrderBook.OrderStatus.Rework);
        emit FaultReported(orderId, twinId, msg.sender, reasonCode, _orderBook.getOrder(orderId).reworkCount);
    }

    /// @inheritdoc IExecutionLog
    function reclaimStalled(uint256 orderId) external {
        IOrderBook.Order memory order = _orderBook.getOrder(orderId);
        if (order.status != IOrderBook.OrderStatus.Printing) {
            revert ExecutionLogInvalidOrderStatus(orderId, order.status);
        }
        if (msg.sender != order.customer) revert ExecutionLogNotCustomer(orderId, msg.sender);
        uint256 deadline = _deadline(orderId);
        if (block.timestamp < deadline) revert ExecutionLogNotStalled(orderId, deadline, block.timestamp);
        uint64 twinId = _matchLedger.getMatch(orderId).twinId;
        delete _tasks[orderId];
        _matchLedger.clearMatch(orderId);
        _orderBook.setStatus(orderId, IOrderBook.OrderStatus.Rework);
        emit TaskReclaimed(orderId, twinId, msg.sender, uint40(deadline));
    }

    /// @inheritdoc IExecutionLog
    function reclaimDeadline(uint256 orderId) external view returns (uint256) {
        return _orderBook.statusOf(orderId) == IOrderBook.OrderStatus.Printing ? _deadline(orderId) : 0;
    }

    /// @inheritdoc IExecutionLog
    function anchorTelemetry(uint256 orderId, bytes32 merkleRoot, string calldata cid, uint32 count) external {
        IOrderBook.OrderStatus status = _orderBook.statusOf(orderId);
        if (status != IOrderBook.OrderStatus.Printing && status != IOrderBook.OrderStatus.Printed) {
            revert ExecutionLogInvalidOrderStatus(orderId, status);
        }
        if (merkleRoot == bytes32(0) || bytes(cid).length == 0 || count == 0) revert ExecutionLogInvalidAnchor();
        uint64 twinId = _authoriseLive(orderId);
        Task storage task = _tasks[orderId];
        uint16 index = task.anchors;
        task.anchors = index + 1;
        emit TelemetryAnchored(orderId, twinId, index, merkleRoot, cid, count);
    }

    /// @inheritdoc IExecutionLog
    function clearAssignment(uint256 orderId) external {
        if (msg.sender != address(_matchLedger)) revert ExecutionLogNotMatchLedger(msg.sender);
        Task storage task = _tasks[orderId];
        if (task.operator != address(0)) {
            task.operator = address(0);
            emit OperatorAssigned(orderId, 0, address(0));
        }
    }

    /// @inheritdoc IExecutionLog
    function getTask(uint256 orderId) external view returns (Task memory) {
        return _tasks[orderId];
    }

    // ------------------------------------------------------------------ internals

    /// @dev When a Printing order may be reclaimed: its start plus STALL_FACTOR × the estimate, MIN_STALL_SECONDS
    /// at least.
    function _deadline(uint256 orderId) private view returns (uint256) {
        uint256 allowed = uint256(_matchLedger.getMatch(orderId).estimatedSeconds) * STALL_FACTOR;
        return uint256(_tasks[orderId].startedAt) + (allowed > MIN_STALL_SECONDS ? allowed : MIN_STALL_SECONDS);
    }

    function _requireStatus(uint256 orderId, IOrderBook.OrderStatus expected) private view {
        IOrderBook.OrderStatus status = _orderBook.statusOf(orderId);
        if (status != expected) revert ExecutionLogInvalidOrderStatus(orderId, status);
    }

    /// @dev The caller may run the order's task: the twin's owner, the assigned operator, or — while no operator
    /// is assigned — any operator of the twin. Returns the matched twin's id and record.
    function _authorised(uint256 orderId) private view returns (uint64 twinId, ITwinRegistry.Twin memory twin) {
        twinId = _matchLedger.getMatch(orderId).twinId;
        twin = _twinRegistry.getTwin(twinId);
        if (msg.sender == twin.owner) return (twinId, twin);
        address assigned = _tasks[orderId].operator;
        // An operator revoked in TwinRegistry loses the task too.
        if ((assigned != address(0) && assigned != msg.sender) || !_twinRegistry.isOperator(twinId, msg.sender)) {
            revert ExecutionLogNotTaskOperator(orderId, msg.sender);
        }
    }

    /// @dev As `_authorised`, on a twin that is not retired (nothing but a fault is recorded on a retired twin).
    function _authoriseLive(uint256 orderId) private view returns (uint64 twinId) {
        ITwinRegistry.Twin memory twin;
        (twinId, twin) = _authorised(orderId);
        if (twin.status == ITwinRegistry.TwinStatus.Retired) revert ExecutionLogTwinNotPrintable(twinId, twin.status);
    }
}
