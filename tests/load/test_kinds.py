"""Request kinds, their grouped names (paths from the contract) and the mix."""

from __future__ import annotations

import pytest

from gatewatch.contract import default_contract
from gatewatch.core.errors import ConfigError
from gatewatch.loadtest.kinds import KINDS, parse_mix, request_name


def test_each_kind_has_one_grouped_name_built_from_the_contract_paths() -> None:
    contract = default_contract()
    names = {key: request_name(contract, key) for key in KINDS}
    assert len(set(names.values())) == len(KINDS)
    lookup_prefix = contract.lookup_path.split("{", 1)[0]
    for key in ("known", "other_channel", "unknown"):
        assert names[key].startswith(lookup_prefix + "[id] (")
    assert names["batch"].startswith(contract.batch_path + " (")
    assert not any("{" in name for name in names.values())


def test_a_mix_reads_weights_and_leaves_other_kinds_out() -> None:
    mix = parse_mix("known=3, batch=1")
    assert mix.active == ("known", "batch")
    assert parse_mix(mix.as_text()) == mix


@pytest.mark.parametrize(
    "text", ["known", "sms=1", "known=x", "known=-1", "known=1,known=2", "known=0,batch=0"]
)
def test_a_bad_mix_is_a_config_error_naming_the_option(text: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_mix(text)
    assert caught.value.key == "--gatewatch-mix"
