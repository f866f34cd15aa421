"""The rules of the Law on Government Organization, as plain functions.

Both count against ALL members of the Government (the active users of the members'
group), never against those present or those who voted.
"""

from __future__ import annotations


def quorum_needed(members_total: int) -> int:
    """At least two thirds of all members must take part: ceil(2n/3)."""
    return -(-2 * members_total // 3)


def has_quorum(*, present: int, members_total: int) -> bool:
    return members_total > 0 and 3 * present >= 2 * members_total


def majority_needed(members_total: int) -> int:
    """More than half of all members: floor(n/2) + 1."""
    return members_total // 2 + 1


def poll_passes(
    *, in_favour: int, against: int, members_total: int, prime_minister_choice: str
) -> bool:
    """More than half of all members in favour; on a tie between in favour and
    against, the side the Prime Minister voted for wins."""
    if 2 * in_favour > members_total:
        return True
    if in_favour == against and in_favour > 0:
        return prime_minister_choice == "for"
    return False
