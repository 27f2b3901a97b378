"""Community health: activity, answers, segments, bridges, maturity, impact stories."""
