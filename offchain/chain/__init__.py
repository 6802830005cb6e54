"""Chain side of the SDK: Python mirrors of the contracts' enums, ABI export, deployment."""
