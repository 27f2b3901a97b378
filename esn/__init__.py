"""esn: an open-source enterprise social network."""
