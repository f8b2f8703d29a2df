"""Spreadsheets as French users produce them (Excel CSV in Windows-1252, .xlsx) read into rows: pure."""
