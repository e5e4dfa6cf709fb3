"""The in-process bus of the embedded mode: events reach listeners once their transaction commits."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Run in a fresh interpreter, so that this really is the bus's first listener.
FIRST_LISTENER = """
import sys, uuid
from sqlmodel import Session, SQLModel, create_engine
from domain.notify import bus
from domain.records import OutboundEmailEvent

engine = create_engine(f"sqlite:///{sys.argv[1]}")
SQLModel.metadata.create_all(engine, tables=[OutboundEmailEvent.__table__])
heard = []
with Session(engine) as session:
    session.add(OutboundEmailEvent(organization_id=uuid.uuid4(), email_id=uuid.uuid4(), kind="created", actor="t"))
    session.flush()  # the events are written before anyone listens...
    bus.subscribe(heard.extend)
    session.commit()  # ...and committed after
    session.add(OutboundEmailEvent(organization_id=uuid.uuid4(), email_id=uuid.uuid4(), kind="queued", actor="t"))
    session.rollback()
print([(c.seq, c.kind) for c in heard])
"""


def test_a_transaction_flushed_before_the_first_listener_is_heard_at_its_commit(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-c", FIRST_LISTENER, str(tmp_path / "bus.db")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert run.stdout.strip() == "[(1, 'created')]"  # and nothing of the rolled-back one
