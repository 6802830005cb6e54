// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title ITwinRegistry — digital twins of manufacturing resources, and the material / colour catalogue
/// @notice A twin is a JSON document kept on IPFS; the chain keeps its owner, kind, status, version, the digest of
/// the current document and the capability summary that matching needs. Versions are never overwritten: every
/// revision is announced by an event carrying its document CID (and, for updates, the JSON Patch CID), so anyone
/// can rebuild and verify the whole history from events + IPFS.
/// @dev Lengths are micrometres (µm). Materials and colours are codes 0..63 of an admin-managed catalogue, so a
/// twin's capability holds them as 64-bit masks (bit `c` set = code `c` supported).
interface ITwinRegistry {
    /// @notice The resource kinds a twin can describe (the paper's printers, plus the kinds it names as future work).
    enum TwinKind {
        Printer,
        LaserEngraver,
        MaterialSpool,
        Tool,
        Worker
    }

    /// @notice Operating status of a twin. `None` marks an id that was never published. `Retired` is final.
    enum TwinStatus {
        None,
        Available,
        Busy,
        Maintenance,
        Offline,
        Retired
    }

    /// @notice The two catalogues.
    enum CatalogueKind {
        Material,
        Colour
    }

    /// @notice What matching needs to know about a resource; packed in one storage slot.
    /// @param buildX Build plate size along X, µm.
    /// @param buildY Build plate size along Y, µm.
    /// @param buildZ Build height, µm.
    /// @param accuracy Finest tolerance the resource holds, µm (smaller is finer).
    /// @param materialMask Bit `c` set when catalogue material `c` is supported.
    /// @param colourMask Bit `c` set when catalogue colour `c` is supported.
    struct Capability {
        uint32 buildX;
        uint32 buildY;
        uint32 buildZ;
        uint32 accuracy;
        uint64 materialMask;
        uint64 colourMask;
    }

    /// @notice A twin's on-chain record.
    /// @param owner The account that published it; the only one that may change its document or operators.
    /// @param version 1 on publish, +1 per update.
    /// @param status Current operating status.
    /// @param kind Resource kind.
    /// @param updatedAt Block timestamp of the last document change.
    /// @param capability Capability summary of the current version.
    /// @param specDigest sha-256 of the RFC 8785 canonical JSON of the current document.
    struct Twin {
        address owner;
        uint32 version;
        TwinStatus status;
        TwinKind kind;
        uint40 updatedAt;
        Capability capability;
        bytes32 specDigest;
    }

    // ------------------------------------------------------------------ errors

    /// @notice Catalogue codes are 0..63.
    error TwinRegistryCatalogueCodeOutOfRange(uint8 code);
    /// @notice The catalogue already has this code.
    error TwinRegistryCatalogueEntryExists(CatalogueKind kind, uint8 code);
    /// @notice The catalogue has no such code.
    error TwinRegistryCatalogueEntryNotFound(CatalogueKind kind, uint8 code);
    /// @notice A catalogue entry needs a name.
    error TwinRegistryEmptyName();
    /// @notice No twin has this id.
    error TwinRegistryTwinNotFound(uint256 twinId);
    /// @notice The caller does not own the twin.
    error TwinRegistryNotTwinOwner(uint256 twinId, address caller);
    /// @notice The caller is neither the twin's owner nor one of its operators.
    error TwinRegistryNotTwinOwnerOrOperator(uint256 twinId, address caller);
    /// @notice Someone else updated the twin first (optimistic concurrency, like HTTP If-Match).
    error TwinRegistryStaleVersion(uint256 twinId, uint32 expected, uint32 current);
    /// @notice A retired twin can no longer change.
    error TwinRegistryTwinRetired(uint256 twinId);
    /// @notice The twin already has this status; `None` can never be set.
    error TwinRegistryInvalidStatus(uint256 twinId, TwinStatus status);
    /// @notice A capability needs a non-zero build volume, accuracy, material mask and colour mask.
    error TwinRegistryInvalidCapability();
    /// @notice The capability names materials that are not in the catalogue (the offending bits).
    error TwinRegistryUnknownMaterials(uint64 unknownMask);
    /// @notice The capability names colours that are not in the catalogue (the offending bits).
    error TwinRegistryUnknownColours(uint64 unknownMask);
    /// @notice A document digest must not be zero.
    error TwinRegistryEmptyDigest();
    /// @notice A CID must not be empty.
    error TwinRegistryEmptyCid();
    /// @notice The zero address cannot be an operator.
    error TwinRegistryZeroOperator();

    // ------------------------------------------------------------------ events

    /// @notice Catalogue entry `code` of `kind` was added with a display name.
    event CatalogueEntryAdded(CatalogueKind indexed kind, uint8 indexed code, string name);
    /// @notice Catalogue entry `code` of `kind` was removed; twins and orders can no longer use it.
    event CatalogueEntryRemoved(CatalogueKind indexed kind, uint8 indexed code);
    /// @notice Twin `twinId` was published as version 1 with status Available.
    event TwinPublished(
        uint256 indexed twinId,
        address indexed owner,
        TwinKind indexed kind,
        Capability capability,
        bytes32 specDigest,
        string specCid
    );
    /// @notice Twin `twinId` moved to `version`; `patchCid` holds the RFC 6902 patch from the previous version.
    event TwinUpdated(
        uint256 indexed twinId,
        uint32 indexed version,
        Capability capability,
        bytes32 specDigest,
        string specCid,
        string patchCid
    );
    /// @notice Twin `twinId`'s status changed, by its owner or an operator (`by`).
    event TwinStatusChanged(uint256 indexed twinId, TwinStatus from, TwinStatus to, address indexed by);
    /// @notice The owner allowed (`allowed`) or revoked an operator of twin `twinId`.
    event TwinOperatorSet(uint256 indexed twinId, address indexed operator, bool allowed);

    // ------------------------------------------------------------------ catalogue

    /// @notice Adds material or colour `code` to the catalogue.
    /// @param kind Which catalogue.
    /// @param code 0..63.
    /// @param name Display name (kept in the event only).
    /// Requirements:
    /// - caller has DEFAULT_ADMIN_ROLE;
    /// - `code` < 64, not already in that catalogue; `name` not empty.
    function addCatalogueEntry(CatalogueKind kind, uint8 code, string calldata name) external;

    /// @notice Removes `code` from a catalogue. Existing twins and orders keep it; new ones cannot use it.
    /// Requirements:
    /// - caller has DEFAULT_ADMIN_ROLE;
    /// - `code` is in that catalogue.
    function removeCatalogueEntry(CatalogueKind kind, uint8 code) external;

    /// @notice The catalogue as two masks (bit `c` set = code `c` present).
    function catalogueMasks() external view returns (uint64 materials, uint64 colours);

    // ------------------------------------------------------------------ twins

    /// @notice Publishes a new twin (version 1, status Available) owned by the caller.
    /// @param kind Resource kind.
    /// @param capability Capability summary derived from the document.
    /// @param specDigest sha-256 of the document's canonical JSON.
    /// @param specCid IPFS CID of the document.
    /// @return twinId The new twin's id (ids start at 1).
    /// Requirements:
    /// - caller has SERVICER_ROLE;
    /// - capability valid, its materials and colours all in the catalogue;
    /// - `specDigest` non-zero, `specCid` non-empty.
    function publishTwin(TwinKind kind, Capability calldata capability, bytes32 specDigest, string calldata specCid)
        external
        returns (uint256 twinId);

    /// @notice Records a new version of a twin's document.
    /// @param expectedVersion The version the caller's patch was made against.
    /// @param patchCid IPFS CID of the RFC 6902 patch from `expectedVersion` to the new document.
    /// @return version The new version (`expectedVersion + 1`).
    /// Requirements:
    /// - the twin exists and is not retired; caller is its owner;
    /// - `expectedVersion` equals the current version;
    /// - capability, digest and CIDs valid as for `publishTwin`, except that materials and colours the current
    ///   version already has may stay even when removed from the catalogue since (only added codes are checked).
    function updateTwin(
        uint256 twinId,
        uint32 expectedVersion,
        Capability calldata capability,
        bytes32 specDigest,
        string calldata specCid,
        string calldata patchCid
    ) external returns (uint32 version);

    /// @notice Sets a twin's operating status.
    /// Requirements:
    /// - the twin exists and is not retired; caller is its owner or one of its operators (only the owner may set
    ///   `Retired`, which is final);
    /// - `status` is not `None` and differs from the current one.
    function setTwinStatus(uint256 twinId, TwinStatus status) external;

    /// @notice Allows or revokes `operator` for a twin (operators may set its status and run its print tasks).
    /// Requirements:
    /// - the twin exists; caller is its owner; allowing needs a twin that is not retired (revoking works always);
    /// - `operator` is not the zero address.
    function setOperator(uint256 twinId, address operator, bool allowed) external;

    /// @notice The full record of a twin. Reverts with TwinRegistryTwinNotFound for unknown ids.
    function getTwin(uint256 twinId) external view returns (Twin memory);

    /// @notice Whether `account` is an operator of the twin.
    function isOperator(uint256 twinId, address account) external view returns (bool);

    /// @notice Number of twins published so far (the highest id).
    function twinCount() external view returns (uint256);

    /// @notice Role of printer owners, who may publish twins.
    function SERVICER_ROLE() external view returns (bytes32);
}
