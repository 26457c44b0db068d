"""Which evidence items go into an export: all of the case's, those marked, or a list."""

from __future__ import annotations

from exporters.bundle.options import ExportOptions
from vault import evidence
from vault.errors import ExportError, NotFound
from vault.records import Case, EvidenceItem
from vault.store import Vault


def matches(item: EvidenceItem, ref: str) -> bool:
    """``ref`` names the item by id, id prefix (4+ characters) or exhibit (E0001, e1, 1)."""
    r = ref.strip()
    if not r:
        return False
    if r == item.id or (len(r) >= 4 and item.id.startswith(r)):
        return True
    digits = r.upper().removeprefix("E")
    return digits.isdigit() and int(digits) == item.exhibit_no


def select_items(vault: Vault, case: Case, options: ExportOptions) -> list[EvidenceItem]:
    """The chosen items in exhibit order; a clear error when a reference or the choice is empty."""
    items = sorted(evidence.list_items(vault, case.id), key=lambda i: i.exhibit_no)
    if options.items:
        chosen: list[EvidenceItem] = []
        for ref in options.items:
            hits = [i for i in items if matches(i, ref)]
            if len(hits) != 1:
                raise NotFound(
                    f"No single evidence item of this case matches '{ref}'.",
                    next_step="Check the item numbers with 'ansim list' and try again.",
                    key="no_single_item",
                    ref=ref,
                )
            if hits[0] not in chosen:
                chosen.append(hits[0])
        items = sorted(chosen, key=lambda i: i.exhibit_no)
    if options.marked_only:
        items = [i for i in items if i.include_in_export]
    if not items:
        raise ExportError(
            "No evidence items were chosen for this export.",
            next_step="Add evidence to the case, or choose other items, and export again.",
            key="nothing_chosen",
        )
    return items
