"""Community animation: spotlights, curation, moderation, the work queue, health."""
