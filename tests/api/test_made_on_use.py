"""api.sharing.MadeOnUse: a memo a subscription's executor drops is made again, once, if it is ever used."""

from __future__ import annotations


def test_a_memo_dropped_by_a_subscription_executor_is_made_again_on_use() -> None:
    from graphql.pyutils import RefMap

    from api.sharing import MadeOnUse

    class Executor:
        _initial_execution_plans = MadeOnUse()

    executor = Executor()
    assert "_initial_execution_plans" not in executor.__dict__  # nothing held until used
    memo = executor._initial_execution_plans
    assert isinstance(memo, RefMap) and executor._initial_execution_plans is memo  # made once, then kept
    assert Executor._initial_execution_plans.__class__ is MadeOnUse
