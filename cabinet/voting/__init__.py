"""Running a session (workflow 4): attendance, quorum, speakers, votes, minutes."""
