// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IOrderBook} from "./IOrderBook.sol";
import {ITwinRegistry} from "./ITwinRegistry.sol";
import {MatchConstraints} from "../libraries/MatchConstraints.sol";

/// @title IExecutionLog — the shop floor's record of printing
/// @notice For each matched order, the printer twin's owner assigns an operator (one of the twin's operators,
/// set in TwinRegistry); the owner or the assigned operator records Start and Finish (the duration comes from
/// block timestamps) or a Fault, which sends the order to Rework with top priority so the matcher re-matches it
/// first. Telemetry batches can be anchored (Merkle root + CID) as proof of print.
/// A task starts only on a twin that can print it now (Available or Busy, the order fitting its current
/// capability); nothing but a fault is recorded on a retired twin.
/// @dev Must be OrderBook's execution writer (fixed at deploy). Tasks are keyed by order id; a fault clears
/// the task (and, through MatchLedger.clearMatch, the match) so the next match starts a fresh one; an unmatch
/// clears the operator assignment (MatchLedger calls `clearAssignment`). History stays in the events.
interface IExecutionLog {
    /// @notice A print task's on-chain record.
    /// @param operator Assigned operator (zero until assigned).
    /// @param startedAt Block time of Start (zero until started).
    /// @param finishedAt Block time of Finish (zero until finished).
    /// @param anchors Number of telemetry batches anchored.
    struct Task {
        address operator;
        uint40 startedAt;
        uint40 finishedAt;
        uint16 anchors;
    }

    // ------------------------------------------------------------------ errors

    /// @notice The order is not in the status this step needs.
    error ExecutionLogInvalidOrderStatus(uint256 orderId, IOrderBook.OrderStatus status);
    /// @notice Only the matched twin's owner may do this.
    error ExecutionLogNotTwinOwner(uint256 orderId, uint64 twinId, address caller);
    /// @notice Only the twin's owner or the task's operator may do this.
    error ExecutionLogNotTaskOperator(uint256 orderId, address caller);
    /// @notice The operator is not an operator of the matched twin.
    error ExecutionLogNotTwinOperator(uint64 twinId, address operator);
    /// @notice A fault needs a reason code (0 is not one).
    error ExecutionLogInvalidReason();
    /// @notice A telemetry anchor needs a root, a CID and at least one sample.
    error ExecutionLogInvalidAnchor();
    /// @notice The matched twin cannot print now (not Available or Busy to start; Retired to finish or anchor).
    error ExecutionLogTwinNotPrintable(uint64 twinId, ITwinRegistry.TwinStatus status);
    /// @notice The order no longer fits the matched twin's current capability.
    error ExecutionLogConstraintViolated(uint256 orderId, uint64 twinId, MatchConstraints.Constraint constraint);
    /// @notice Only MatchLedger may do this.
    error ExecutionLogNotMatchLedger(address caller);
    /// @notice Only the order's customer may reclaim it.
    error ExecutionLogNotCustomer(uint256 orderId, address caller);
    /// @notice The print is not overdue yet: it may be reclaimed from `deadline` on.
    error ExecutionLogNotStalled(uint256 orderId, uint256 deadline, uint256 nowTime);

    // ------------------------------------------------------------------ events

    /// @notice The twin's owner assigned `operator` to print order `orderId` on twin `twinId` (zero: the
    /// assignment was cleared because the match was withdrawn).
    event OperatorAssigned(uint256 indexed orderId, uint64 indexed twinId, address indexed operator);
    /// @notice Printing of `orderId` started on `twinId`, recorded by `by`.
    event TaskStarted(uint256 indexed orderId, uint64 indexed twinId, address indexed by, uint40 startedAt);
    /// @notice Printing of `orderId` finished after `durationSeconds`, recorded by `by`.
    event TaskFinished(uint256 indexed orderId, uint64 indexed twinId, address indexed by, uint40 durationSeconds);
    /// @notice `by` reported a fault while printing `orderId`; the order is in Rework with top priority.
    /// @param reasonCode Fault reason (see docs: 1 nozzle clog, 2 warping, 3 layer shift, 4 filament out, …).
    /// @param attempt How many faults the order has had, this one included.
    event FaultReported(
        uint256 indexed orderId, uint64 indexed twinId, address indexed by, uint16 reasonCode, uint16 attempt
    );
    /// @notice The customer took back `orderId`, whose print on `twinId` ran past `deadline` without being finished
    /// or faulted; the order is in Rework with top priority, like after a fault.
    event TaskReclaimed(uint256 indexed orderId, uint64 indexed twinId, address indexed customer, uint40 deadline);
    /// @notice Telemetry batch number `index` of `orderId` was anchored.
    event TelemetryAnchored(
        uint256 indexed orderId, uint64 indexed twinId, uint16 index, bytes32 merkleRoot, string cid, uint32 count
    );

    // ------------------------------------------------------------------ functions

    /// @notice Assigns (or reassigns) the operator who will print a matched order.
    /// Requirements:
    /// - the order is Matched; caller owns the matched twin;
    /// - `operator` is the twin's owner or one of its operators.
    function assignOperator(uint256 orderId, address operator) external;

    /// @notice Records that printing started; the order becomes Printing.
    /// Requirements:
    /// - the order is Matched;
    /// - caller is the twin's owner, or the assigned operator (or, with none assigned, any twin operator);
    /// - the twin is Available or Busy and the order passes every basic constraint on its current capability
    ///   (else the match is stranded: anyone may `MatchLedger.unmatch` it).
    function startTask(uint256 orderId) external;

    /// @notice Records that printing finished; the order becomes Printed.
    /// Requirements:
    /// - the order is Printing; caller as for `startTask`; the twin is not Retired.
    function finishTask(uint256 orderId) external;

    /// @notice Reports a fault; the order goes to Rework with top priority and its task is cleared.
    /// Requirements:
    /// - the order is Printing; caller as for `startTask`; `reasonCode` non-zero.
    function reportFault(uint256 orderId, uint16 reasonCode) external;

    /// @notice Takes back an order whose printer holds it in Printing far past its estimate: the order goes to
    /// Rework with top priority (re-matched first) and its task and match are cleared, as after a fault.
    /// Requirements:
    /// - the order is Printing; caller is the order's customer;
    /// - now ≥ `reclaimDeadline(orderId)`: the start plus STALL_FACTOR × the match's estimate (at least
    ///   MIN_STALL_SECONDS).
    function reclaimStalled(uint256 orderId) external;

    /// @notice From when the customer may reclaim a Printing order (0 when the order is not Printing).
    function reclaimDeadline(uint256 orderId) external view returns (uint256);

    /// @notice A print may take this many times its estimate before its customer may reclaim the order (3).
    function STALL_FACTOR() external view returns (uint32);

    /// @notice The shortest time a print is given before it may be reclaimed (1 hour), whatever its estimate.
    function MIN_STALL_SECONDS() external view returns (uint32);

    /// @notice Anchors a batch of telemetry samples as proof of print.
    /// Requirements:
    /// - the order is Printing or Printed; caller as for `startTask`; the twin is not Retired;
    /// - `merkleRoot` non-zero, `cid` non-empty, `count` non-zero.
    function anchorTelemetry(uint256 orderId, bytes32 merkleRoot, string calldata cid, uint32 count) external;

    /// @notice Clears the operator assigned to an order whose match was withdrawn.
    /// Requirements:
    /// - caller is MatchLedger.
    function clearAssignment(uint256 orderId) external;

    /// @notice The current task of an order (all zero when it has none).
    function getTask(uint256 orderId) external view returns (Task memory);
}
