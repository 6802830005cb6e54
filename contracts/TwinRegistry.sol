// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ITwinRegistry} from "./interfaces/ITwinRegistry.sol";

/// @title TwinRegistry
/// @notice Digital twins of manufacturing resources and the material / colour catalogue. See ITwinRegistry.
contract TwinRegistry is ITwinRegistry, AccessControl {
    /// @inheritdoc ITwinRegistry
    bytes32 public constant SERVICER_ROLE = keccak256("SERVICER_ROLE");

    uint8 private constant _CATALOGUE_SIZE = 64;

    uint64 private _materialMask;
    uint64 private _colourMask;
    /// @dev Id the next twin gets; starts at 1 and is never zero (see OrderBook._nextOrderId).
    uint256 private _nextTwinId = 1;
    mapping(uint256 twinId => Twin) private _twins;
    mapping(uint256 twinId => mapping(address account => bool)) private _operators;

    /// @param admin The consortium admin (DEFAULT_ADMIN_ROLE).
    constructor(address admin) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    // ------------------------------------------------------------------ catalogue

    /// @inheritdoc ITwinRegistry
    function addCatalogueEntry(CatalogueKind kind, uint8 code, string calldata name)
        external
        onlyRole(DEFAULT_ADMIN_ROLE)
    {
        if (code >= _CATALOGUE_SIZE) revert TwinRegistryCatalogueCodeOutOfRange(code);
        if (bytes(name).length == 0) revert TwinRegistryEmptyName();
        uint64 bit = uint64(1) << code;
        uint64 mask = _catalogueMask(kind);
        if (mask & bit != 0) revert TwinRegistryCatalogueEntryExists(kind, code);
        _setCatalogueMask(kind, mask | bit);
        emit CatalogueEntryAdded(kind, code, name);
    }

    /// @inheritdoc ITwinRegistry
    function removeCatalogueEntry(CatalogueKind kind, uint8 code) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (code >= _CATALOGUE_SIZE) revert TwinRegistryCatalogueCodeOutOfRange(code);
        uint64 bit = uint64(1) << code;
        uint64 mask = _catalogueMask(kind);
        if (mask & bit == 0) revert TwinRegistryCatalogueEntryNotFound(kind, code);
        _setCatalogueMask(kind, mask & ~bit);
        emit CatalogueEntryRemoved(kind, code);
    }

    /// @inheritdoc ITwinRegistry
    function catalogueMasks() external view returns (uint64 materials, uint64 colours) {
        return (_materialMask, _colourMask);
    }

    // ------------------------------------------------------------------ twins

    /// @inheritdoc ITwinRegistry
    function publishTwin(TwinKind kind, Capability calldata capability, bytes32 specDigest, string calldata specCid)
        external
        onlyRole(SERVICER_ROLE)
        returns (uint256 twinId)
    {
        _checkDocument(capability, specDigest, specCid, 0, 0);
        twinId = _nextTwinId++;
        _twins[twinId] = Twin({
            owner: msg.sender,
            version: 1,
            status: TwinStatus.Available,
            kind: kind,
            updatedAt: uint40(block.timestamp),
            capability: capability,
            specDigest: specDigest
        });
        emit TwinPublished(twinId, msg.sender, kind, capability, specDigest, specCid);
    }

    /// @inheritdoc ITwinRegistry
    function updateTwin(
        uint256 twinId,
        uint32 expectedVersion,
        Capability calldata capability,
        bytes32 specDigest,
        string calldata specCid,
        string calldata patchCid
    ) external returns (uint32 version) {
        Twin storage twin = _liveTwin(twinId);
        if (twin.owner != msg.sender) revert TwinRegistryNotTwinOwner(twinId, msg.sender);
        // Optimistic concurrency: the patch was computed against `expectedVersion`; anything else is stale.
        if (twin.version != expectedVersion) revert TwinRegistryStaleVersion(twinId, expectedVersion, twin.version);
        // Only codes this version adds must be in the catalogue: a code removed later does not block the twins
        // that already had it (a document-only update must still work).
        _checkDocument(capability, specDigest, specCid, twin.capability.materialMask, twin.capability.colourMask);
        if (bytes(patchCid).length == 0) revert TwinRegistryEmptyCid();
        // Invariant: versions only grow, by exactly one per recorded revision.
        version = expectedVersion + 1;
        twin.version = version;
        twin.updatedAt = uint40(block.timestamp);
        twin.capability = capability;
        twin.specDigest = specDigest;
        emit TwinUpdated(twinId, version, capability, specDigest, specCid, patchCid);
    }

    /// @inheritdoc ITwinRegistry
    function setTwinStatus(uint256 twinId, TwinStatus status) external {
        Twin storage twin = _liveTwin(twinId);
        if (twin.owner != msg.sender && !_operators[twinId][msg.sender]) {
            revert TwinRegistryNotTwinOwnerOrOperator(twinId, msg.sender);
        }
        // Retiring is for good: only the owner decides it.
        if (status == TwinStatus.Retired && twin.owner != msg.sender) {
            revert TwinRegistryNotTwinOwner(twinId, msg.sender);
        }
        TwinStatus from = twin.status;
        if (status == TwinStatus.None || status == from) revert TwinRegistryInvalidStatus(twinId, status);
        twin.status = status;
        emit TwinStatusChanged(twinId, from, status, msg.sender);
    }

    /// @inheritdoc ITwinRegistry
    function setOperator(uint256 twinId, address operator, bool allowed) external {
        // The owner can always revoke, even on a retired twin; only a live twin gets new operators.
        Twin storage twin = allowed ? _liveTwin(twinId) : _existingTwin(twinId);
        if (twin.owner != msg.sender) revert TwinRegistryNotTwinOwner(twinId, msg.sender);
        if (operator == address(0)) revert TwinRegistryZeroOperator();
        _operators[twinId][operator] = allowed;
        emit TwinOperatorSet(twinId, operator, allowed);
    }

    /// @inheritdoc ITwinRegistry
    function getTwin(uint256 twinId) external view returns (Twin memory) {
        Twin storage twin = _twins[twinId];
        if (twin.status == TwinStatus.None) revert TwinRegistryTwinNotFound(twinId);
        return twin;
    }

    /// @inheritdoc ITwinRegistry
    function isOperator(uint256 twinId, address account) external view returns (bool) {
        return _operators[twinId][account];
    }

    /// @inheritdoc ITwinRegistry
    function twinCount() external view returns (uint256) {
        return _nextTwinId - 1;
    }

    // ------------------------------------------------------------------ internals

    /// @dev The twin, which must exist and not be retired.
    function _liveTwin(uint256 twinId) private view returns (Twin storage twin) {
        twin = _existingTwin(twinId);
        if (twin.status == TwinStatus.Retired) revert TwinRegistryTwinRetired(twinId);
    }

    /// @dev The twin, which must exist.
    function _existingTwin(uint256 twinId) private view returns (Twin storage twin) {
        twin = _twins[twinId];
        if (twin.status == TwinStatus.None) revert TwinRegistryTwinNotFound(twinId);
    }

    /// @dev Checks what every recorded document version needs: a usable capability whose codes beyond
    /// `keptMaterials` / `keptColours` (those the previous version had) are in the catalogue, a digest and a CID.
    function _checkDocument(
        Capability calldata capability,
        bytes32 specDigest,
        string calldata specCid,
        uint64 keptMaterials,
        uint64 keptColours
    ) private view {
        if (
            capability.buildX == 0 || capability.buildY == 0 || capability.buildZ == 0 || capability.accuracy == 0
                || capability.materialMask == 0 || capability.colourMask == 0
        ) revert TwinRegistryInvalidCapability();
        uint64 unknownMaterials = capability.materialMask & ~keptMaterials & ~_materialMask;
        if (unknownMaterials != 0) revert TwinRegistryUnknownMaterials(unknownMaterials);
        uint64 unknownColours = capability.colourMask & ~keptColours & ~_colourMask;
        if (unknownColours != 0) revert TwinRegistryUnknownColours(unknownColours);
        if (specDigest == bytes32(0)) revert TwinRegistryEmptyDigest();
        if (bytes(specCid).length == 0) revert TwinRegistryEmptyCid();
    }

    function _catalogueMask(CatalogueKind kind) private view returns (uint64) {
        return kind == CatalogueKind.Material ? _materialMask : _colourMask;
    }

    function _setCatalogueMask(CatalogueKind kind, uint64 mask) private {
        if (kind == CatalogueKind.Material) _materialMask = mask;
        else _colourMask = mask;
    }
}
