from django.apps import AppConfig


def engine_settings_from_django():
    """The engine's limits and folders, from django.conf.settings (the one place they are decided)."""
    from pathlib import Path

    from django.conf import settings

    from builder.engine.settings import EngineSettings

    return EngineSettings(
        max_params=settings.NETBUILDER_MAX_PARAMS,
        max_epochs=settings.NETBUILDER_MAX_EPOCHS,
        weights_dir=Path(settings.NETBUILDER_WEIGHTS_DIR),
        data_dir=Path(settings.NETBUILDER_DATA_DIR),
        max_dataset_bytes=settings.NETBUILDER_MAX_DATASET_BYTES,
        checkpoint_seconds=settings.NETBUILDER_CHECKPOINT_SECONDS,
    )


def _reinstall_engine_settings(*, setting: str, **_: object) -> None:
    """A changed NETBUILDER_* setting (override_settings, pytest's `settings`) reaches the engine too."""
    from builder.engine.settings import SETTING_NAMES, install_engine_settings

    if setting in SETTING_NAMES.values():
        install_engine_settings(engine_settings_from_django())


class BuilderConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "builder"
    verbose_name = "NetBuilder"

    def ready(self) -> None:
        from django.core.signals import setting_changed

        from builder.engine.settings import install_engine_settings

        install_engine_settings(engine_settings_from_django())
        setting_changed.connect(_reinstall_engine_settings, dispatch_uid="builder.engine.settings")
