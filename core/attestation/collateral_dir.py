"""Collateral an operator keeps on disk, one JSON file per platform, found by FMSPC.

MarbleRun's Coordinator has Intel's quote provider library fetch collateral from Intel's PCS or
a PCCS. Where neither is reachable, an operator fetches it elsewhere and drops it here; a quote
whose PCK certificate names a platform (FMSPC) found here is judged with that file. A file is
read again when it changes, so refreshed collateral needs no restart.
"""

from __future__ import annotations

import logging
from pathlib import Path

from core.errors import InvalidArgument

from .collateral import Collateral
from .pck import quote_platform
from .quote import Quote

log = logging.getLogger("switchyard.attestation")


class CollateralDirectory:
    def __init__(self, root: Path) -> None:
        self.root = root
        # path -> (mtime, (the FMSPC it is for, the collateral)), or (mtime, None) for a bad file.
        self._loaded: dict[Path, tuple[int, tuple[str, Collateral] | None]] = {}

    def for_quote(self, quote: Quote) -> Collateral | None:
        """By the FMSPC the quote's PCK certificate names; the verification that follows decides
        whether that certificate can be believed."""
        platform = quote_platform(quote)
        return self.for_fmspc(platform.fmspc) if platform is not None else None

    def for_fmspc(self, fmspc: bytes) -> Collateral | None:
        wanted = fmspc.hex()
        for path in sorted(self.root.glob("*.json")):
            found = self._load(path)
            if found is not None and found[0] == wanted:
                return found[1]
        return None

    def _load(self, path: Path) -> tuple[str, Collateral] | None:
        try:
            changed = path.stat().st_mtime_ns
        except OSError:
            return None
        known = self._loaded.get(path)
        if known is not None and known[0] == changed:
            return known[1]
        found: tuple[str, Collateral] | None
        try:
            collateral = Collateral.from_json(path.read_bytes())
            found = (collateral.fmspc, collateral)
        except (OSError, InvalidArgument) as error:
            log.warning("ignoring collateral file %s: %s", path, error)
            found = None
        self._loaded[path] = (changed, found)
        return found
