"""One pane per question an officer asks of a case, in the order of the tabs (keys 1 to 5)."""
