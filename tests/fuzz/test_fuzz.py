"""The fuzz suite's short, fixed-seed pass (CI): generated inputs keep gradcli's contract.

Cases come from the grammar in ``fuzz_cases.py`` (expressions, points, stream lines, option
combinations read from the CLI itself) and are checked against ``fuzz_contract.py``. Hypothesis
draws them (derandomized: the same cases every run, shrunk when one fails); a sample is run
again as real processes. The long run is ``python benchmarks/fuzz.py --n 100000``.
"""

from __future__ import annotations

import pytest
from fuzz_cases import HypothesisDraw, RandomDraw, case, command_case, stream_case
from fuzz_contract import check_in_process, check_process
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

settings.register_profile(
    "fuzz-ci",
    max_examples=100,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _unknown(failures):
    return [str(f) for f in failures if not f.known()]


@settings(settings.get_profile("fuzz-ci"))
@given(st.data())
def test_generated_commands_keep_the_contract(data) -> None:
    found, _ = check_in_process(command_case(HypothesisDraw(data)))
    assert not _unknown(found), "\n".join(map(str, found))


@settings(settings.get_profile("fuzz-ci"), max_examples=80)
@given(st.data())
def test_generated_streams_keep_every_good_line_and_report_every_bad_one(data) -> None:
    found, _ = check_in_process(stream_case(HypothesisDraw(data)))
    assert not _unknown(found), "\n".join(map(str, found))


@pytest.mark.parametrize("seed", range(4))
def test_a_sample_in_real_processes_keeps_the_contract_and_exits_as_in_process(seed) -> None:
    sample = case(RandomDraw(seed))
    real, code = check_process(sample)
    assert not _unknown(real), "\n".join(map(str, real))
    inside, inside_code = check_in_process(sample)
    assert not _unknown(inside), "\n".join(map(str, inside))
    if not real and not inside and code is not None:
        assert inside_code == code, sample.shell()


def test_the_grammar_makes_streams_whose_good_and_bad_lines_are_known() -> None:
    sample = stream_case(RandomDraw(3))
    assert sample.stream and sample.good and sample.stdin is not None
    assert sorted(sample.good + sample.bad) == sorted(set(sample.good + sample.bad))


def test_the_contract_catches_an_internal_error_and_a_lost_line() -> None:
    from fuzz_cases import Case
    from fuzz_contract import check_result

    broken = Case(["grad", "x"], "1\n2\n", good=[1, 2], stream=True)
    assert [f.kind for f in check_result(broken, 70, "", "gradcli: error: internal error", 0.1)] == ["exit"]
    lost = check_result(broken, 0, '{"line": 1}\n', "", 0.1)
    assert [f.kind for f in lost] == ["stream"]
    assert [f.kind for f in check_result(Case(["grad", "--format", "json"]), 0, "{NaN}\n", "", 0.1)] == [
        "json"
    ]


def test_an_argument_no_process_can_be_given_is_checked_in_process_only() -> None:
    """A NUL byte cannot be passed to a program (the OS refuses it); the real-process check says
    so with no status instead of crashing the long run, and gradcli in-process refuses it (exit 2)."""
    from fuzz_cases import Case

    sample = Case(args=["grad", "x\0y", "--at", "1"])
    assert check_process(sample) == ([], None)
    found, code = check_in_process(sample)
    assert found == [] and code == 2


def test_the_case_that_grows_this_process_past_the_memory_limit_is_named(monkeypatch):
    """In-process cases share the fuzz run's process, and a real process started from it is
    charged with its peak: the case during which the peak first passes MAX_RSS is the one
    reported, once; real processes are judged only above this process's own peak."""
    import fuzz_contract

    sample = case(RandomDraw(1))
    monkeypatch.setattr(fuzz_contract, "MAX_RSS", 1 << 20)  # 1 MiB: below any Python's peak
    crossed = fuzz_contract.grew_past_limit(sample, 0)
    assert [f.kind for f in crossed] == ["memory"] and "in-process" in crossed[0].detail
    assert fuzz_contract.grew_past_limit(sample, fuzz_contract.peak_rss()) == []  # already past it
    real, _ = check_process(sample)  # its figure holds this process's peak: not judged
    assert [f for f in real if f.kind == "memory"] == []
