"""The printed evidential product: the PDF report and printing it through CUPS."""
