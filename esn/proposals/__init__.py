"""Slack-time proposals: ideas that become recognised work time."""
