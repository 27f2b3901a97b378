"""People: profiles, the directory, the org chart and follows."""
