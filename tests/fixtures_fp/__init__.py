"""Synthetic, photo-like test images and the edits re-uploaders make (made here, no binaries)."""
