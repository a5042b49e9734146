import pytest
import torch
from torch import nn

from builder.engine.settings import engine_settings_override
from builder.engine.training import (
    ConfigError,
    TrainConfig,
    check_compatibility,
    list_datasets,
    load_dataset,
    train,
)

from .conftest import mlp


def test_defaults_come_from_the_dataset():
    linear = TrainConfig.from_dict({}, dataset="linear")
    digits = TrainConfig.from_dict({"epochs": 3}, dataset="digits")

    assert (linear.optimizer, linear.lr, linear.loss) == ("sgd", 0.05, "MSELoss")
    assert (digits.optimizer, digits.batch_size, digits.epochs, digits.loss) == (
        "adam",
        32,
        3,
        "CrossEntropyLoss",
    )


def test_loss_aliases_are_accepted_and_resolve_to_the_canonical_torch_class_names():
    names = ["CrossEntropyLoss", "cross_entropy", "CE", "MSELoss", "huber", "BCEWithLogits", "NLLLoss", "l1"]

    losses = [TrainConfig(loss=n).loss for n in names]

    assert losses == [
        "CrossEntropyLoss",
        "CrossEntropyLoss",
        "CrossEntropyLoss",
        "MSELoss",
        "HuberLoss",
        "BCEWithLogitsLoss",
        "NLLLoss",
        "L1Loss",
    ]


@pytest.mark.parametrize(
    ("options", "field", "message"),
    [
        ({"batch_size": 0}, "batch_size", "batch_size must be at least 1, got 0"),
        (
            {"optimizer": "adagrad"},
            "optimizer",
            "optimizer must be one of 'sgd', 'adam', 'adamw', 'rmsprop', got 'adagrad'",
        ),
        ({"lr": 0}, "lr", "lr must be greater than 0, got 0"),
        ({"epochs": 2.5}, "epochs", "epochs must be an integer, got 2.5"),
        (
            {"scheduler": "warmup"},
            "scheduler",
            "scheduler must be one of 'none', 'step', 'cosine', 'onecycle', got 'warmup'",
        ),
        ({"loss": "kl_div"}, "loss", "loss must be one of 'CrossEntropyLoss', 'NLLLoss', 'BCEWithLogitsLoss', 'MSELoss', 'L1Loss', "
         "'HuberLoss', got 'kl_div'"),
        ({"val_fraction": 1.0}, "val_fraction", "val_fraction must be less than 1, got 1"),
        ({"device": "tpu"}, "device", "device must be one of 'auto', 'cpu', 'cuda', 'mps' (or match cuda:\\d+), got 'tpu'"),
        ({"precision": "fp8"}, "precision", "precision must be one of 'fp32', 'bf16', 'fp16', got 'fp8'"),
        ({"nesterov": True, "optimizer": "adam"}, "nesterov", "Nesterov momentum needs the sgd optimizer"),
        ({"warmup": 3}, "warmup", "Unknown training option 'warmup'"),
    ],
)
def test_each_bad_option_names_its_field(options, field, message):
    with pytest.raises(ConfigError) as e:
        TrainConfig.from_dict(options)

    assert e.value.field == field
    assert e.value.message.startswith(message)


def test_cross_entropy_with_too_few_outputs_says_how_many_are_needed(digits):
    with pytest.raises(ConfigError) as e:
        check_compatibility(mlp(64, 1, flatten=True), digits, TrainConfig(loss="cross_entropy"))

    assert e.value.field == "loss"
    assert e.value.message == "CrossEntropyLoss needs 10 outputs for 10 classes; the model gives 1"


def test_an_output_shape_can_be_checked_without_a_model(digits):
    with pytest.raises(
        ConfigError, match="MSELoss compares the outputs with one-hot targets, so it needs 10"
    ):
        check_compatibility([3], digits, TrainConfig(loss="mse"))

    assert check_compatibility((10,), digits, TrainConfig(loss="mse")) == (10,)


def test_a_class_loss_on_a_regression_set_suggests_value_losses():
    ds = load_dataset("linear")

    with pytest.raises(ConfigError) as e:
        check_compatibility([1], ds, TrainConfig(loss="nll"))

    assert e.value.message == (
        "NLLLoss needs class labels, but 'Linear regression (seed article)' is a "
        "regression dataset; use MSELoss, L1Loss or HuberLoss"
    )


def test_regression_output_size_must_match_the_target():
    ds = load_dataset("diabetes")

    with pytest.raises(
        ConfigError, match="MSELoss needs 1 output for a target of size 1; the model gives 10"
    ):
        check_compatibility(mlp(10, 10), ds, TrainConfig(loss="mse"))


def test_bce_takes_one_logit_for_two_classes_but_not_three(moons):
    assert check_compatibility([1], moons, TrainConfig(loss="bce_with_logits")) == (1,)

    with pytest.raises(ConfigError, match="BCEWithLogitsLoss needs 3 outputs, one per class"):
        check_compatibility([1], load_dataset("iris"), TrainConfig(loss="bce_with_logits"))


def test_a_model_that_cannot_take_the_inputs_fails_before_training(digits):
    model = nn.Linear(10, 10)
    before = model.weight.detach().clone()

    with pytest.raises(ConfigError) as e:
        train(model, digits, TrainConfig(device="cpu"))

    assert e.value.field == "model"
    assert e.value.message.startswith("The model can't take this dataset's inputs of shape [1, 8, 8]:")
    assert torch.equal(model.weight, before)


def test_a_model_with_image_shaped_outputs_is_told_to_flatten(digits):
    with pytest.raises(ConfigError, match=r"outputs of shape \[1, 8, 8\] per sample; CrossEntropyLoss here"):
        check_compatibility(nn.Identity(), digits, TrainConfig())


def test_a_missing_cuda_device_is_a_config_error(monkeypatch, moons):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)

    with pytest.raises(ConfigError, match="CUDA was asked for, but this machine has no usable CUDA GPU"):
        train(mlp(2, 2), moons, TrainConfig(device="cuda"))


@pytest.mark.parametrize("value", [10.0, True, "10"])
@pytest.mark.parametrize("field", ["epochs", "batch_size", "seed", "log_every"])
def test_an_integer_option_given_a_float_a_bool_or_a_string_is_refused_naming_the_field(field, value):
    with pytest.raises(ConfigError) as e:
        TrainConfig.from_dict({field: value})

    assert e.value.field == field
    assert e.value.message.endswith(f"{field} must be an integer, got {value!r}")


def test_the_epoch_limit_is_the_engine_settings_number_and_its_error_names_the_setting():
    with engine_settings_override(max_epochs=7):
        assert TrainConfig(epochs=7).epochs == 7
        with pytest.raises(ConfigError) as e:
            TrainConfig(epochs=8)
        epochs = next(f for f in TrainConfig.schema() if f["name"] == "epochs")

    assert (e.value.field, e.value.message) == ("epochs", "epochs must be at most 7 (NETBUILDER_MAX_EPOCHS), got 8")
    assert (epochs["max"], epochs["setting"]) == (7, "NETBUILDER_MAX_EPOCHS")


def test_sgd_momentum_defaults_to_pytorchs_zero():
    config = TrainConfig(optimizer="sgd")

    assert config.momentum == 0.0
    assert next(f for f in TrainConfig.schema() if f["name"] == "momentum")["default"] == 0.0
    assert torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=0.1).defaults["momentum"] == config.momentum


def test_every_published_loss_name_is_one_of_the_options_choices():
    choices = next(f for f in TrainConfig.schema() if f["name"] == "loss")["choices"]
    published = {d["defaults"]["loss"] for d in list_datasets() if "loss" in d["defaults"]}
    resolved = {TrainConfig.from_dict({}, dataset=d["name"]).loss for d in list_datasets()}

    assert choices == ["CrossEntropyLoss", "NLLLoss", "BCEWithLogitsLoss", "MSELoss", "L1Loss", "HuberLoss"]
    assert published == {"MSELoss"}
    assert resolved == {"CrossEntropyLoss", "MSELoss"}
    assert TrainConfig(loss="mse").to_dict()["loss"] == "MSELoss"
