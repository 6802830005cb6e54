// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IOrderBook} from "./interfaces/IOrderBook.sol";
import {ITwinRegistry} from "./interfaces/ITwinRegistry.sol";

/// @title OrderBook
/// @notice Customers' print orders and their status machine. See IOrderBook.
contract OrderBook is IOrderBook, AccessControl {
    /// @inheritdoc IOrderBook
    uint8 public constant MAX_PRIORITY = 100;
    /// @inheritdoc IOrderBook
    uint8 public constant REWORK_PRIORITY = type(uint8).max;
    /// @inheritdoc IOrderBook
    uint256 public constant MAX_CART_SIZE = 50;
    /// @inheritdoc IOrderBook
    uint32 public constant MAX_QUANTITY = 10_000;

    ITwinRegistry private immutable _twinRegistry;
    /// @dev Id the next order gets. Starts at 1 (ids start at 1) and is never zero, so no order pays for turning
    /// a zero slot non-zero (20k gas) — the first order costs what every other one does.
    uint256 private _nextOrderId = 1;
    mapping(uint256 orderId => Order) private _orders;
    /// @dev Set once by `setStatusWriters`; no role exists that could add another writer later.
    address private _matchWriter;
    address private _executionWriter;

    /// @param admin The consortium admin (DEFAULT_ADMIN_ROLE), who fixes the status writers at deploy.
    /// @param registry The TwinRegistry holding the material / colour catalogue.
    constructor(address admin, ITwinRegistry registry) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _twinRegistry = registry;
    }

    // ------------------------------------------------------------------ customers

    /// @inheritdoc IOrderBook
    function placeOrder(OrderRequest calldata request) external returns (uint256 orderId) {
        (uint64 materials, uint64 colours) = _twinRegistry.catalogueMasks();
        orderId = _nextOrderId;
        _place(orderId, 0, request, materials, colours);
        _nextOrderId = orderId + 1;
    }

    /// @inheritdoc IOrderBook
    function placeOrders(OrderRequest[] calldata requests) external returns (uint256 firstOrderId) {
        uint256 count = requests.length;
        if (count == 0 || count > MAX_CART_SIZE) revert OrderBookInvalidCartSize(count, MAX_CART_SIZE);
        // One catalogue read and one counter write for the whole cart.
        (uint64 materials, uint64 colours) = _twinRegistry.catalogueMasks();
        firstOrderId = _nextOrderId;
        for (uint256 i; i < count; ++i) {
            _place(firstOrderId + i, i, requests[i], materials, colours);
        }
        _nextOrderId = firstOrderId + count;
    }

    /// @inheritdoc IOrderBook
    function cancelOrder(uint256 orderId) external {
        Order storage order = _existing(orderId);
        if (order.customer != msg.sender) revert OrderBookNotCustomer(orderId, msg.sender);
        OrderStatus from = order.status;
        if (from != OrderStatus.Placed) revert OrderBookInvalidTransition(orderId, from, OrderStatus.Cancelled);
        order.status = OrderStatus.Cancelled;
        emit OrderStatusChanged(orderId, from, OrderStatus.Cancelled);
    }

    // ------------------------------------------------------------------ status writers

    /// @inheritdoc IOrderBook
    function setStatus(uint256 orderId, OrderStatus to) external {
        Order storage order = _existing(orderId);
        OrderStatus from = order.status;
        address writer = _writerForMove(orderId, from, to, order.reworkCount);
        if (msg.sender != writer) revert OrderBookNotStatusWriter(orderId, msg.sender, writer);
        order.status = to;
        if (to == OrderStatus.Rework && from == OrderStatus.Printing) {
            // A fault: the order goes back to the pool ahead of every customer order.
            order.priority = REWORK_PRIORITY;
            order.reworkCount += 1;
        }
        emit OrderStatusChanged(orderId, from, to);
    }

    /// @inheritdoc IOrderBook
    function setStatusWriters(address matchWriter_, address executionWriter_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (
            _matchWriter != address(0) || matchWriter_ == address(0) || executionWriter_ == address(0)
                || matchWriter_ == executionWriter_
        ) revert OrderBookStatusWritersFixed();
        _matchWriter = matchWriter_;
        _executionWriter = executionWriter_;
        emit StatusWritersSet(matchWriter_, executionWriter_);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IOrderBook
    function matchWriter() external view returns (address) {
        return _matchWriter;
    }

    /// @inheritdoc IOrderBook
    function executionWriter() external view returns (address) {
        return _executionWriter;
    }

    /// @inheritdoc IOrderBook
    function getOrder(uint256 orderId) external view returns (Order memory) {
        return _existing(orderId);
    }

    /// @inheritdoc IOrderBook
    function statusOf(uint256 orderId) external view returns (OrderStatus) {
        return _orders[orderId].status;
    }

    /// @inheritdoc IOrderBook
    function orderCount() external view returns (uint256) {
        return _nextOrderId - 1;
    }

    /// @inheritdoc IOrderBook
    function twinRegistry() external view returns (address) {
        return address(_twinRegistry);
    }

    // ------------------------------------------------------------------ internals

    /// @dev Validates request `index` of a cart and stores it as order `orderId`.
    function _place(uint256 orderId, uint256 index, OrderRequest calldata r, uint64 materials, uint64 colours)
        private
    {
        if (r.designDigest == bytes32(0) || bytes(r.designCid).length == 0) revert OrderBookMissingDesign(index);
        if (r.sizeU == 0 || r.sizeV == 0 || r.sizeW == 0) revert OrderBookZeroSize(index);
        if (r.material >= 64 || materials & (uint64(1) << r.material) == 0) {
            revert OrderBookUnknownMaterial(index, r.material);
        }
        if (r.colour >= 64 || colours & (uint64(1) << r.colour) == 0) revert OrderBookUnknownColour(index, r.colour);
        if (r.accuracy == 0) revert OrderBookZeroAccuracy(index);
        if (r.quantity == 0) revert OrderBookZeroQuantity(index);
        if (r.quantity > MAX_QUANTITY) revert OrderBookQuantityTooLarge(index, r.quantity, MAX_QUANTITY);
        if (r.priority > MAX_PRIORITY) revert OrderBookInvalidPriority(index, r.priority, MAX_PRIORITY);
        if (r.dueDate <= block.timestamp) revert OrderBookDueDateInPast(index, r.dueDate, block.timestamp);

        _orders[orderId] = Order({
            customer: msg.sender,
            sizeU: r.sizeU,
            sizeV: r.sizeV,
            sizeW: r.sizeW,
            accuracy: r.accuracy,
            quantity: r.quantity,
            material: r.material,
            colour: r.colour,
            priority: r.priority,
            status: OrderStatus.Placed,
            dueDate: r.dueDate,
            placedAt: uint40(block.timestamp),
            reworkCount: 0
        });
        emit OrderPlaced(orderId, msg.sender, r);
    }

    /// @dev The writer that owns the move `from → to`; reverts for moves the status machine does not have.
    function _writerForMove(uint256 orderId, OrderStatus from, OrderStatus to, uint16 reworkCount)
        private
        view
        returns (address)
    {
        if (to == OrderStatus.Matched && (from == OrderStatus.Placed || from == OrderStatus.Rework)) {
            return _matchWriter;
        }
        // Unmatch: back to the pool the order came from — Rework if a fault ever sent it back, else Placed.
        if (from == OrderStatus.Matched && to == (reworkCount == 0 ? OrderStatus.Placed : OrderStatus.Rework)) {
            return _matchWriter;
        }
        if (
            (from == OrderStatus.Matched && to == OrderStatus.Printing)
                || (from == OrderStatus.Printing && (to == OrderStatus.Printed || to == OrderStatus.Rework))
        ) return _executionWriter;
        revert OrderBookInvalidTransition(orderId, from, to);
    }

    function _existing(uint256 orderId) private view returns (Order storage order) {
        order = _orders[orderId];
        if (order.status == OrderStatus.None) revert OrderBookOrderNotFound(orderId);
    }
}
