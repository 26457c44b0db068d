"""A folder browser where ``space`` picks the highlighted file or folder (``enter`` on a file
picks it too; ``enter`` on a folder opens it)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual.binding import Binding
from textual.message import Message
from textual.widgets import DirectoryTree


class FilePicker(DirectoryTree):
    BINDINGS = [Binding("space", "pick", "Pick", show=False)]

    @dataclass
    class Picked(Message):
        path: Path

    def action_pick(self) -> None:
        node = self.cursor_node
        if node is not None and node.data is not None:
            self.post_message(self.Picked(Path(node.data.path)))

    def on_directory_tree_file_selected(self, event: DirectoryTree.FileSelected) -> None:
        event.stop()
        self.post_message(self.Picked(Path(event.path)))
