from dataclasses import replace

from bot.nlu.model import load_or_train, train_nlu

from .conftest import toy_examples


def test_unchanged_examples_load_the_cached_model(tmp_path):
    examples = toy_examples()
    first, trained = load_or_train(examples, {}, tmp_path)
    assert trained
    second, trained_again = load_or_train(examples, {}, tmp_path)
    assert not trained_again
    text = "can we schedule a demo"
    assert second.parse(text)["intent_ranking"] == first.parse(text)["intent_ranking"]


def test_a_changed_example_retrains(tmp_path):
    examples = toy_examples()
    load_or_train(examples, {}, tmp_path)
    changed = [*examples[:-1], replace(examples[-1], text="please cancel everything")]
    _, trained = load_or_train(changed, {}, tmp_path)
    assert trained


def test_a_changed_config_retrains_and_force_retrains(tmp_path):
    examples = toy_examples()
    load_or_train(examples, {}, tmp_path)
    model, trained = load_or_train(examples, {"threshold": 0.4}, tmp_path)
    assert trained and model.threshold == 0.4
    _, forced = load_or_train(examples, {"threshold": 0.4}, tmp_path, force=True)
    assert forced


def test_a_damaged_artefact_is_retrained_not_fatal(tmp_path):
    examples = toy_examples()
    load_or_train(examples, {"threshold": 0.3}, tmp_path)
    [artefact] = tmp_path.glob("nlu-*.joblib")
    artefact.write_bytes(b"truncated")
    model, trained = load_or_train(examples, {"threshold": 0.3}, tmp_path)
    assert trained
    assert model.parse("hello there")["intent"]["name"] == "greet"


def test_old_artefacts_are_pruned(tmp_path):
    examples = toy_examples()
    for threshold in (0.21, 0.22, 0.23, 0.24, 0.25):
        train_nlu(examples, {"threshold": threshold}, tmp_path)
    assert len(list(tmp_path.glob("nlu-*.joblib"))) == 3
    assert not list(tmp_path.glob(".nlu-*"))  # no temporary files left behind


def test_the_same_examples_in_another_order_hit_the_cache(tmp_path):
    examples = toy_examples()
    load_or_train(examples, {"threshold": 0.3}, tmp_path)
    _, trained = load_or_train(list(reversed(examples)), {"threshold": 0.3}, tmp_path)
    assert not trained
