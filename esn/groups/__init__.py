"""Groups: transverse project groups, memberships, join requests and invitations."""
