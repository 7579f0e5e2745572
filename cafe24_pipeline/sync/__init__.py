"""Plain-Python sync pipelines (fetch from Cafe24 -> validate -> store), no Dagster imports.

Assets call these; so do tests. One module per stream family (catalog, orders, ...).
"""
