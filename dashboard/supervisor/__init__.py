"""The supervisor view's domain: filter state, the report grid's paging and CSV export."""
