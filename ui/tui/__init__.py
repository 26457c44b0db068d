"""The Textual app (``ansim`` with no command). Screens only collect input, call one
``vault``/``exporters`` use-case function and render the result."""
