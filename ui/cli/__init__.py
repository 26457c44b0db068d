"""The scriptable command line. It never imports Textual; the TUI is loaded only when asked for."""
