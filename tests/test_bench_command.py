"""`chainrule bench` outside a checkout says where it looked."""
from chainrule.cli import main


def test_bench_outside_a_checkout_is_a_clear_error(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["bench"]) == 2
    assert str(tmp_path / "benchmarks") in capsys.readouterr().err
