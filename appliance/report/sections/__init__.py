"""The report's sections, each a function from the gathered content to flowables."""
