// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IOrderBook} from "../interfaces/IOrderBook.sol";
import {ITwinRegistry} from "../interfaces/ITwinRegistry.sol";

/// @title MatchConstraints — the paper's basic matching constraints (eqs. 1–6), as one pure check
/// @notice The Python rule engine (`imse.matching.constraints`) is the reference model of this library; a
/// differential test keeps the two in agreement.
library MatchConstraints {
    /// @notice The first basic constraint a (part, printer) pair fails, or `None` when it passes them all.
    /// Checked in this order, so the answer is deterministic.
    enum Constraint {
        None,
        Footprint,
        Height,
        Material,
        Colour,
        Accuracy
    }

    /// @notice The part an order describes, as far as the constraints look at it.
    struct Part {
        uint32 sizeU;
        uint32 sizeV;
        uint32 sizeW;
        uint8 material;
        uint8 colour;
        uint32 accuracy;
    }

    /// @notice Checks a part against a printer's capability.
    /// @dev Eq. (1) is printed reversed in the paper. The part's footprint fits the plate when, allowing a 90°
    /// turn on the plate, the short side fits the short side and the long side the long side:
    /// `min(u,v) ≤ min(X,Y)` and `max(u,v) ≤ max(X,Y)`. Height: `w ≤ Z`. Material and colour: set membership
    /// (mask bit). Accuracy: the order's tolerance is at least the printer's accuracy (`p_i ≥ P_k`).
    function check(Part memory part, ITwinRegistry.Capability memory cap) internal pure returns (Constraint) {
        (uint32 partShort, uint32 partLong) = _ordered(part.sizeU, part.sizeV);
        (uint32 plateShort, uint32 plateLong) = _ordered(cap.buildX, cap.buildY);
        if (partShort > plateShort || partLong > plateLong) return Constraint.Footprint;
        if (part.sizeW > cap.buildZ) return Constraint.Height;
        // Codes ≥ 64 cannot be in a 64-bit mask; `1 << code` is 0 for them, which fails membership as it should.
        if (part.material >= 64 || cap.materialMask & (uint64(1) << part.material) == 0) return Constraint.Material;
        if (part.colour >= 64 || cap.colourMask & (uint64(1) << part.colour) == 0) return Constraint.Colour;
        if (part.accuracy < cap.accuracy) return Constraint.Accuracy;
        return Constraint.None;
    }

    /// @notice The part an order describes.
    function partOf(IOrderBook.Order memory order) internal pure returns (Part memory) {
        return Part({
            sizeU: order.sizeU,
            sizeV: order.sizeV,
            sizeW: order.sizeW,
            material: order.material,
            colour: order.colour,
            accuracy: order.accuracy
        });
    }

    function _ordered(uint32 a, uint32 b) private pure returns (uint32 low, uint32 high) {
        return a <= b ? (a, b) : (b, a);
    }
}
