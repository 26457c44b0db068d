"""Errors of the complaint export, each with its own translated title and next step
(``error.<ClassName>.*`` in ``vault/locales/complaint.*.json``). None of them repeats what was
typed (a resident number must never reach a log or a terminal scrollback)."""

from __future__ import annotations

from vault.errors import ExportError


class OutputExists(ExportError):
    title = "A file with that name already exists there."
    next_step = "Choose another name or folder; Ansim never overwrites files."


class OutputFolderMissing(ExportError):
    title = "The folder for the document does not exist."
    next_step = "Create the folder first or choose another one."


class ResidentNumberInvalid(ExportError):
    title = "That does not look like a resident registration number (13 digits)."
    next_step = "Type it again as 6 digits, a dash and 7 digits, or leave it out."


class ResidentNumberNeedsRealName(ExportError):
    title = "A resident registration number can only go into the real-name version."
    next_step = "Choose the real-name version (--real-name), or leave the number out."


class UnsupportedDocument(ExportError):
    title = "That kind of document cannot be made."
    next_step = "Choose Korean (ko) or English (en), and PDF, DOCX or TXT."
