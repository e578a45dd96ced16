"""``--precision auto|N|off``: declared once, on grad and the activations, in every output format."""

from __future__ import annotations

import pytest
from conftest import gradcli, records

from gradcli.derive.precise import DEFAULT_PRECISION


@pytest.mark.parametrize("command", ["grad x", "sigmoid", "leaky-relu"])
def test_precision_is_offered_with_the_library_default(command):
    done = gradcli(f"{command} --help")
    assert done.exit_code == 0
    assert "--precision" in done.stdout and f"[default: {DEFAULT_PRECISION}]" in done.stdout


def test_auto_repairs_cancellation_and_says_so():
    done = gradcli('grad "(exp(x)-1)/x" --at x=1e-9 --method backprop --format json')
    (rec,) = records(done)
    assert done.exit_code == 0
    assert rec["exact"] == {"x": 0.5000000003333334} and rec["digits"] >= 40
    assert rec["note"].endswith("float64 backprop lost all digits to cancellation")
    table = gradcli('grad "(exp(x)-1)/x" --at x=1e-9 --method backprop')
    assert "0.5000000003333334" in table.stdout and "note: re-evaluated at" in table.stdout


def test_off_reports_the_float64_value_as_uncertain_and_strict_fails():
    done = gradcli('grad "(exp(x)-1)/x" --at x=1e-9 --method backprop --precision off --format json')
    (rec,) = records(done)
    assert rec["exact"] == {"x": -81.74037098884583} and rec["digits"] is None
    assert [w["kind"] for w in rec["warnings"]] == ["uncertain"]
    assert rec["exact_bound"]["x"] > 81
    strict = gradcli('grad "(exp(x)-1)/x" --at x=1e-9 --method backprop --precision off --strict')
    assert strict.exit_code == 1
    assert gradcli('grad "(exp(x)-1)/x" --at x=1e-9 --method backprop --strict').exit_code == 0


def test_forced_digits_everywhere():
    (rec,) = records(gradcli('grad "sin(x)" --at 1 --precision 30 --format json'))
    assert rec["digits"] == 50 and rec["exact"] == {"x": 0.5403023058681398}


@pytest.mark.parametrize(("value", "said"), [("5", "between 20 and 640"), ("fast", "auto, off or a number")])
def test_bad_precision_is_a_usage_error(value, said):
    done = gradcli(f"grad x --at 1 --precision {value}")
    assert done.exit_code == 2 and said in done.stderr and "Traceback" not in done.stderr


def test_streams_and_activations_take_it():
    done = gradcli('grad "(exp(x)-1)/x" --at - --method backprop --format json', input="1e-9\n1\n")
    first, second = records(done)
    assert first["exact"] == {"x": 0.5000000003333334} and first["digits"] is not None
    assert second["digits"] is None
    off = gradcli(
        'grad "(exp(x)-1)/x" --at - --method backprop --format json --precision off', input="1e-9\n"
    )
    assert records(off)[0]["exact"] == {"x": -81.74037098884583}
    (rec,) = records(gradcli("sigmoid --at -1000 --method backprop --format json"))
    assert rec["digits"] is not None
    assert rec["warnings"][0]["high_precision"] == "5.0759588975494568e-435"
    (rec,) = records(gradcli("sigmoid --at -1000 --method backprop --format json --precision off"))
    assert rec["warnings"][0]["kind"] == "uncertain"


def test_csv_keeps_its_columns():
    done = gradcli('grad "(exp(x)-1)/x" --at x=1e-9 --format csv')
    assert done.stdout.splitlines()[0] == "x,f,grad_x"


def test_jacobian_takes_it():
    done = gradcli('grad "(exp(x)-1)/x" "x" --at x=1e-9 --method backprop --precision off --format json')
    assert "-81.74037098884583" in done.stdout
    done = gradcli('grad "(exp(x)-1)/x" "x" --at x=1e-9 --method backprop --format json')
    assert "0.5000000003333334" in done.stdout


def test_given_digits_that_do_not_settle_a_point_say_so_and_name_the_digits_that_may():
    """x + x/x at 1e-100: its gradient sums 1, 1e100 and -1e100, which 50 digits cannot hold."""
    (rec,) = records(gradcli('grad "x + x/x" --at 1e-100 --method backprop --precision 30 --format json'))
    assert rec["note"] == (
        "re-evaluated at 50 digits (--precision 30), which do not settle this point: its sums cancel "
        "across about 100 digits (--precision 120, or auto, may)"
    )
    (warning,) = rec["warnings"]
    assert (
        warning["kind"] == "uncertain"
        and "the 50 digits high precision took do not settle it" in warning["message"]
    )
    (taken,) = records(gradcli('grad "x + x/x" --at 1e-100 --method backprop --precision 120 --format json'))
    assert taken["exact"] == {"x": 1.0} and taken["warnings"] == [] and taken["digits"] == 140
    (zero,) = records(gradcli('grad "x*y - y*x + x" --at 1,2 --method backprop --precision 30 --format json'))
    assert (
        "terms cancel to exactly 0, which only the most digits can confirm (--precision 620" in zero["note"]
    )


def test_given_digits_that_cannot_take_a_point_are_not_offered_again():
    """sigmoid at 1e308 meets exp(-1e308), beyond high precision's range: the warning says it was tried."""
    (rec,) = records(gradcli('grad "sigmoid(x) - sigmoid(x)*1" --at 1e308 --precision 50 --format json'))
    (warning,) = rec["warnings"]
    assert warning["kind"] == "uncertain" and rec["digits"] is None
    assert "high precision could not take this point either" in warning["message"]
    assert "--precision N" not in warning["message"]
