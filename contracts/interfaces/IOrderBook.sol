// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title IOrderBook — customers' print orders and their status machine
/// @notice Anyone may place orders (no role: open registration, as the paper wants). The design file lives on
/// IPFS; the order carries its CID and digest, the part's size, material, colour, required accuracy, quantity,
/// priority, due date and a hash of the shipping information (which itself stays off chain). Order ids start at 1.
///
/// Status machine (only these moves exist):
///
///     Placed ──► Matched ──► Printing ──► Printed
///       │  ◄──────┘ unmatch     │
///       ▼                       ▼ fault
///     Cancelled              Rework ──► Matched   (and Matched ──► Rework on unmatch of a rework order)
///
/// `Placed → Cancelled` is the customer's; `Placed/Rework ↔ Matched` belong to the match writer (MatchLedger);
/// `Matched → Printing → Printed/Rework` to the execution writer (ExecutionLog). The two writers are fixed once, at
/// deployment (`setStatusWriters`); there is no role an account could be granted later to move an order's status,
/// so not even the admin can record a match or a print that MatchLedger and ExecutionLog did not record. A fault
/// sets the order's priority to REWORK_PRIORITY, above every customer priority, so it is re-matched first.
/// @dev Lengths are micrometres (µm); times are unix seconds.
interface IOrderBook {
    /// @notice Order status; `None` marks an id that was never used.
    enum OrderStatus {
        None,
        Placed,
        Matched,
        Printing,
        Printed,
        Rework,
        Cancelled
    }

    /// @notice What a customer submits for one order.
    /// @param designDigest sha-256 of the design file (STL).
    /// @param designCid IPFS CID of the design file.
    /// @param sizeU Part size along its first plate axis, µm.
    /// @param sizeV Part size along its second plate axis, µm.
    /// @param sizeW Part height, µm.
    /// @param material Catalogue material code.
    /// @param colour Catalogue colour code.
    /// @param accuracy Tolerance the part needs, µm; a printer qualifies when its accuracy is at most this.
    /// @param quantity Number of copies, 1..MAX_QUANTITY.
    /// @param priority Customer priority, 0..MAX_PRIORITY (higher first).
    /// @param dueDate Delivery date, unix seconds, in the future.
    /// @param shippingHash Hash of the off-chain shipping information.
    struct OrderRequest {
        bytes32 designDigest;
        string designCid;
        uint32 sizeU;
        uint32 sizeV;
        uint32 sizeW;
        uint8 material;
        uint8 colour;
        uint32 accuracy;
        uint32 quantity;
        uint8 priority;
        uint40 dueDate;
        bytes32 shippingHash;
    }

    /// @notice An order's on-chain record (two storage slots; CIDs and hashes live in OrderPlaced).
    /// @param reworkCount How many times a fault sent the order back.
    struct Order {
        address customer;
        uint32 sizeU;
        uint32 sizeV;
        uint32 sizeW;
        uint32 accuracy;
        uint32 quantity;
        uint8 material;
        uint8 colour;
        uint8 priority;
        OrderStatus status;
        uint40 dueDate;
        uint40 placedAt;
        uint16 reworkCount;
    }

    // ------------------------------------------------------------------ errors

    /// @notice No order has this id.
    error OrderBookOrderNotFound(uint256 orderId);
    /// @notice Only the order's customer may do this.
    error OrderBookNotCustomer(uint256 orderId, address caller);
    /// @notice The status machine has no move from `from` to `to`.
    error OrderBookInvalidTransition(uint256 orderId, OrderStatus from, OrderStatus to);
    /// @notice A cart must hold 1..MAX_CART_SIZE orders.
    error OrderBookInvalidCartSize(uint256 size, uint256 max);
    /// @notice Order `index` of the cart has no design digest or CID.
    error OrderBookMissingDesign(uint256 index);
    /// @notice Order `index` of the cart has a zero dimension.
    error OrderBookZeroSize(uint256 index);
    /// @notice Order `index` of the cart names a material not in the catalogue.
    error OrderBookUnknownMaterial(uint256 index, uint8 material);
    /// @notice Order `index` of the cart names a colour not in the catalogue.
    error OrderBookUnknownColour(uint256 index, uint8 colour);
    /// @notice Order `index` of the cart has a zero accuracy.
    error OrderBookZeroAccuracy(uint256 index);
    /// @notice Order `index` of the cart has quantity 0.
    error OrderBookZeroQuantity(uint256 index);
    /// @notice Order `index` of the cart asks for more than MAX_QUANTITY copies (no planner could schedule it).
    error OrderBookQuantityTooLarge(uint256 index, uint32 quantity, uint32 max);
    /// @notice Order `index` of the cart has a priority above MAX_PRIORITY.
    error OrderBookInvalidPriority(uint256 index, uint8 priority, uint8 max);
    /// @notice Order `index` of the cart is due at or before the current block's time.
    error OrderBookDueDateInPast(uint256 index, uint40 dueDate, uint256 nowTime);
    /// @notice `caller` may not make this move of order `orderId`: only `writer` may (zero until wired).
    error OrderBookNotStatusWriter(uint256 orderId, address caller, address writer);
    /// @notice The status writers are already set, or the given ones are zero or the same address.
    error OrderBookStatusWritersFixed();

    // ------------------------------------------------------------------ events

    /// @notice Order `orderId` was placed by `customer`; `request` carries everything off-chain services need
    /// (design CID and digest, shipping hash, and the values stored in the order record).
    event OrderPlaced(uint256 indexed orderId, address indexed customer, OrderRequest request);
    /// @notice Order `orderId` moved from `from` to `to`. A move to Rework also sets priority to REWORK_PRIORITY.
    event OrderStatusChanged(uint256 indexed orderId, OrderStatus indexed from, OrderStatus indexed to);
    /// @notice The contracts that move order statuses were fixed (once, at deployment).
    event StatusWritersSet(address indexed matchWriter, address indexed executionWriter);

    // ------------------------------------------------------------------ customers

    /// @notice Places one order for the caller.
    /// @return orderId The new order's id.
    /// Requirements:
    /// - design digest and CID present; sizes, accuracy and quantity non-zero; quantity ≤ MAX_QUANTITY;
    /// - material and colour in TwinRegistry's catalogue; priority ≤ MAX_PRIORITY; due date in the future.
    function placeOrder(OrderRequest calldata request) external returns (uint256 orderId);

    /// @notice Places a cart of orders in one transaction; one OrderPlaced per order, consecutive ids.
    /// @return firstOrderId The id of `requests[0]`; the others follow in order.
    /// Requirements:
    /// - 1 ≤ `requests.length` ≤ MAX_CART_SIZE;
    /// - every request valid as for `placeOrder` (the error names the first bad index); nothing is written otherwise.
    function placeOrders(OrderRequest[] calldata requests) external returns (uint256 firstOrderId);

    /// @notice Cancels one of the caller's orders that has not been matched.
    /// Requirements:
    /// - the order exists; caller is its customer; its status is Placed.
    function cancelOrder(uint256 orderId) external;

    // ------------------------------------------------------------------ status writers

    /// @notice Moves an order along the status machine, for the two status writers.
    /// Requirements:
    /// - the order exists and `from → to` is a move of the status machine other than cancellation;
    /// - caller is the writer that owns the move (`matchWriter` or `executionWriter`).
    function setStatus(uint256 orderId, OrderStatus to) external;

    /// @notice Fixes, once and for good, the contracts that move order statuses: `matchWriter_` (MatchLedger) and
    /// `executionWriter_` (ExecutionLog). Called by the deployment right after the four contracts are created.
    /// Requirements:
    /// - caller has DEFAULT_ADMIN_ROLE; the writers were never set; both non-zero and different.
    function setStatusWriters(address matchWriter_, address executionWriter_) external;

    // ------------------------------------------------------------------ views

    /// @notice An order's record. Reverts with OrderBookOrderNotFound for unknown ids.
    function getOrder(uint256 orderId) external view returns (Order memory);

    /// @notice An order's status (`None` for unknown ids).
    function statusOf(uint256 orderId) external view returns (OrderStatus);

    /// @notice Number of orders placed so far (the highest id).
    function orderCount() external view returns (uint256);

    /// @notice The TwinRegistry whose catalogue validates materials and colours.
    function twinRegistry() external view returns (address);

    /// @notice The contract that matches and unmatches orders (MatchLedger); zero until wired.
    function matchWriter() external view returns (address);

    /// @notice The contract that records printing (ExecutionLog); zero until wired.
    function executionWriter() external view returns (address);

    /// @notice Highest priority a customer may ask for.
    function MAX_PRIORITY() external view returns (uint8);

    /// @notice Priority a faulted order gets, above every customer priority.
    function REWORK_PRIORITY() external view returns (uint8);

    /// @notice The most copies one order may ask for (a larger run is several orders).
    function MAX_QUANTITY() external view returns (uint32);

    /// @notice Most orders in one cart.
    function MAX_CART_SIZE() external view returns (uint256);
}
