"""What `make mutation` mutates: each pure rule module with its own tests, and the hand mutants of tables."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    """Modules mutated together and the test files that are theirs (globs, relative to the root)."""

    modules: str
    tests: tuple[str, ...]


TARGETS = (
    Target("domain/lifecycle.py", ("tests/domain/test_lifecycle.py",)),
    Target("domain/seqset.py", ("tests/domain/test_seqset.py",)),
    Target("domain/quota.py", ("tests/domain/test_quota.py",)),
    Target("domain/delivery.py", ("tests/domain/test_delivery.py",)),
    Target("domain/validation.py", ("tests/domain/test_validation.py",)),
    Target("domain/mime.py", ("tests/domain/test_mime.py",)),
    Target("domain/autoreply.py", ("tests/domain/test_autoreply.py",)),
    # The bounce reader is a package that grows one module per mail-server family; whatever it holds
    # is mutated, against every bounce test (flat test_bounces*.py or a tests/domain/bounces/ tree).
    Target("domain/bounces/**/*.py", ("tests/domain/test_bounces*.py", "tests/domain/bounces/**/test_*.py")),
)


@dataclass(frozen=True)
class HandMutant:
    """One entry of a module-level table or constant, changed by hand: mutmut only mutates function bodies."""

    module: str
    before: str
    after: str


HAND_MUTANTS = (
    HandMutant(
        "domain/lifecycle.py",
        "(EmailStatus.FAILED, Action.RETRY): EmailStatus.PENDING,",
        "(EmailStatus.FAILED, Action.RETRY): EmailStatus.DRAFT,",
    ),
    HandMutant(
        "domain/lifecycle.py", 'PLANNED_TIME_REACHED = "planned_time_reached"', 'PLANNED_TIME_REACHED = "planned"'
    ),
    HandMutant("domain/delivery.py", "DeliveryStatus.REPLIED: 3,", "DeliveryStatus.REPLIED: 1,"),
    HandMutant("domain/seqset.py", 'PREFIX = "s1."', 'PREFIX = "s2."'),
    HandMutant("domain/seqset.py", "MAX_RANGES = 512", "MAX_RANGES = 513"),
    HandMutant("domain/seqset.py", r'_RANGE = re.compile(r"^(\d{1,19})', r'_RANGE = re.compile(r"^(\d{1,20})'),
    HandMutant("domain/quota.py", "SEND_UNITS = 100", "SEND_UNITS = 50"),
    HandMutant("domain/quota.py", "DAY = timedelta(hours=24)", "DAY = timedelta(hours=23)"),
    HandMutant("domain/validation.py", "MAX_SUBJECT_CHARS = 998", "MAX_SUBJECT_CHARS = 999"),
    HandMutant("domain/validation.py", "MAX_FILENAME_CHARS = 255", "MAX_FILENAME_CHARS = 254"),
    HandMutant("domain/validation.py", 'for _name in ("invalid", "test"):', 'for _name in ("invalid",):'),
    HandMutant("domain/mime.py", "max_line_length=78", "max_line_length=76"),
    HandMutant("domain/mime.py", "antw|odp|r|", "antw|r|"),
    HandMutant("domain/mime.py", '"ol", "blockquote"}', '"ol"}'),
    HandMutant("domain/mime.py", '"head", "title"}', '"head"}'),
    HandMutant("domain/autoreply.py", "|absence|", "|"),
    HandMutant("domain/autoreply.py", "(email|message|sender)", "(email|message)"),
    HandMutant("domain/autoreply.py", "policy=email.policy.default", "policy=email.policy.compat32"),
)
