"""Modal dialogs: a message, a yes/no question, a small form."""
