"""The impact log: threads tagged with what came of them."""
