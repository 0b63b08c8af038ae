"""The UI's CSS, kept in code so it ships with the package (package data is only SQL).

Compact on purpose: the smallest console is 80x24, so nothing has a border, forms are one
line, and tables take whatever height is left and scroll.
"""

CSS = """
#case-bar {
    height: 1;
    padding: 0 1;
    background: $primary-background;
    color: $text;
    text-wrap: nowrap;
    text-overflow: ellipsis;
}
#tabs {
    height: 1fr;
}
#tabs > ContentSwitcher {
    height: 1fr;
}
#tabs TabPane {
    height: 1fr;
    padding: 0;
}
.form {
    height: 1;
    margin: 0 0 0 1;
}
.field-label {
    width: auto;
    padding: 0 1 0 0;
}
.summary {
    height: auto;
    max-height: 3;
    padding: 0 1;
    color: $text-muted;
}
DataTable {
    height: 1fr;
}
#subjects-table {
    height: auto;
    max-height: 5;
}
#contacts-totals {
    height: auto;
    padding: 0 1;
}
#contacts-chart {
    height: 2;
    margin: 0 1;
}
#open-box, #help-box, #new-box, #subject-box, #places-box {
    width: 76;
    max-width: 100%;
    height: auto;
    max-height: 100%;
    padding: 0 1;
    background: $panel;
}
OpenCaseScreen, HelpScreen, NewCaseScreen, SubjectForm, PlacesPicker {
    align: center middle;
}
#case-list {
    height: auto;
    max-height: 10;
    border: none;
    margin: 1 0;
}
#passphrase {
    width: 40;
    background: $boost;
}
#places-list {
    height: auto;
    max-height: 16;
    border: none;
}
#new-box Input, #subject-box Input {
    background: $boost;
    margin: 0 0 1 0;
}
#subject-role {
    width: 20;
    margin: 0 0 1 0;
}
#open-error, #new-error, #subject-error {
    height: auto;
    color: $error;
}
#open-error.-status, #new-error.-status {
    color: $text-muted;
}
#map-title, #report-facts, #report-said {
    height: auto;
    padding: 0 1;
}
#map-image, #report-page {
    width: 1fr;
    height: 1fr;
}
#map-legend {
    height: auto;
    max-height: 8;
    padding: 0 1;
    color: $text-muted;
}
#report-printer, #report-path {
    width: 1fr;
}
#help-table {
    height: auto;
    max-height: 20;
}
"""
