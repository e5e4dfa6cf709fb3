"""What `make mutation` mutates: each pure rule module with its own tests, and the hand mutants of tables."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    """Modules mutated together and the test files that are theirs (globs, relative to the root)."""

    modules: str
    tests: tuple[str, ...]


_B = "tests/domain/bounces/"
# (module or glob under domain/bounces/, its test files); the catch-all skips what these name.
BOUNCE_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("classify.py", (_B + "test_classify.py", _B + "test_probes.py")),
    ("probes.py", (_B + "test_probes.py", _B + "test_classify.py")),
    ("statuses.py", (_B + "test_classify.py", _B + "test_probes.py")),
    ("reasons.py", (_B + "test_reasons.py", _B + "test_classify.py")),
    ("wording*.py", (_B + "test_wording.py", _B + "test_classify.py")),
    ("codes.py", (_B + "test_codes_and_commands.py",)),
    ("commands.py", (_B + "test_codes_and_commands.py",)),
    ("findings.py", (_B + "test_findings.py",)),
    ("mime.py", (_B + "test_mime_and_addresses.py",)),
    ("addresses.py", (_B + "test_mime_and_addresses.py",)),
    ("prose.py", (_B + "test_prose.py",)),
    ("receivers/*.py", (_B + "test_receivers.py",)),
    ("families/*.py", (_B + "test_families.py", _B + "test_family_tables.py")),
    ("family.py", (_B + "test_family.py",)),
    ("registry.py", (_B + "test_family.py", _B + "test_families.py", _B + "test_family_tables.py")),
    ("report.py", (_B + "test_report_and_evidence.py",)),
    ("evidence.py", (_B + "test_evidence.py", _B + "test_report_and_evidence.py")),
    ("dates.py", (_B + "test_report_and_evidence.py",)),
    ("original.py", (_B + "test_original.py", _B + "test_report_and_evidence.py")),
    ("notice.py", (_B + "test_notice.py", _B + "test_report_and_evidence.py", _B + "test_prose.py")),
    ("text.py", (_B + "test_text.py", _B + "test_report_and_evidence.py")),
    ("parse.py", ("tests/domain/test_bounces.py", _B + "test_families.py", _B + "test_report_and_evidence.py")),
    ("model.py", ("tests/domain/test_bounces.py", _B + "test_reasons.py")),
    ("native.py", (_B + "test_native.py",)),
)

TARGETS = (
    Target("domain/lifecycle.py", ("tests/domain/test_lifecycle.py",)),
    Target("domain/seqset.py", ("tests/domain/test_seqset.py",)),
    Target("domain/quota.py", ("tests/domain/test_quota.py",)),
    Target("domain/delivery.py", ("tests/domain/test_delivery.py",)),
    Target("domain/validation.py", ("tests/domain/test_validation.py",)),
    Target("domain/mime.py", ("tests/domain/test_mime.py",)),
    Target("domain/autoreply.py", ("tests/domain/test_autoreply.py",)),
    # The bounce reader, a package of small modules: each group is scored against its own table-driven
    # tests (the whole bounce suite per mutant would take hours on two cores). A module not listed
    # here is still mutated, by the catch-all last line, against every bounce test.
    *(Target(f"domain/bounces/{module}", tests) for module, tests in BOUNCE_GROUPS),
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
