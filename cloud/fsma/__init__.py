"""FSMA 204: key data elements of our critical tracking events, and the sortable spreadsheet."""
