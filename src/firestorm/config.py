"""Case configuration: one YAML file per controversy, validated against workflow/schemas/case.schema.yaml.

A case is loaded into a :class:`Case`; timestamps in the YAML without an offset are read in the case's
time zone and held as tz-aware UTC ``pandas.Timestamp``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jsonschema
import pandas as pd
import yaml

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"


class ConfigError(ValueError):
    """A configuration file is invalid; the message names the file and the key."""


@dataclass(frozen=True)
class TimelineEvent:
    time: pd.Timestamp
    kind: str
    description: str
    source: str


@dataclass(frozen=True)
class Case:
    name: str
    title: str
    timezone: str
    window_start: pd.Timestamp
    window_end: pd.Timestamp
    keywords: tuple[str, ...]
    hashtags: tuple[str, ...]
    inputs: tuple[dict, ...]
    timeline: tuple[TimelineEvent, ...]
    responded: bool
    response_time: pd.Timestamp | None
    official_accounts: tuple[dict, ...] = ()      # {platform, user_id?, nickname?}
    lexicon_words: tuple[str, ...] = ()
    frame_terms: dict = field(default_factory=dict)      # extra frame terms of this case: {frame: [terms]}
    phase_events: tuple[str, ...] = ()                   # timeline kinds that start a discourse phase
    company: str = ""
    demo: dict = field(default_factory=dict)
    validation: dict = field(default_factory=dict)       # this case's human validation settings (config's override)
    response_strategy: str = ""    # SCCT strategy a researcher read in the statement (overrides the lexicon's)
    response_channel: str = ""     # where the company answered, when the data do not hold the statement
    source_path: str = ""

    def events_of_kind(self, kind: str) -> list[TimelineEvent]:
        return [event for event in self.timeline if event.kind == kind]

    def first_event_time(self, kind: str) -> pd.Timestamp | None:
        times = [event.time for event in self.events_of_kind(kind)]
        return min(times) if times else None


def read_yaml(path: str | Path) -> Any:
    path = Path(path)
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML: {error}") from None


def schema(name: str) -> dict:
    """The JSON schema ``name`` ('case' or 'config') shipped with the workflow."""
    return read_yaml(SCHEMA_DIR / f"{name}.schema.yaml")


def _key_path(error: jsonschema.ValidationError) -> str:
    return ".".join(str(part) for part in error.absolute_path) or "(top level)"


def validate_against_schema(document: Any, schema_name: str, path: str | Path) -> None:
    """Raise :class:`ConfigError` naming the file and the offending key for the first schema violation."""
    validator = jsonschema.Draft202012Validator(schema(schema_name))
    errors = sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        messages = [f"{path}: key '{_key_path(e)}': {e.message}" for e in errors]
        raise ConfigError("\n".join(messages))


def parse_time(value: str, timezone: str, *, path: str | Path, key: str) -> pd.Timestamp:
    """Parse an ISO timestamp; naive times are taken in ``timezone``. Returns tz-aware UTC."""
    try:
        stamp = pd.Timestamp(str(value))
    except (ValueError, TypeError):
        raise ConfigError(f"{path}: key '{key}': cannot read {value!r} as a date-time") from None
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize(timezone)
    return stamp.tz_convert("UTC")


def load_case(path: str | Path) -> Case:
    """Load and validate one case YAML file."""
    path = Path(path)
    document = read_yaml(path)
    validate_against_schema(document, "case", path)
    timezone = document.get("timezone", "Asia/Shanghai")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{path}: key 'timezone': unknown time zone {timezone!r}") from None

    def when(value, key):
        return parse_time(value, timezone, path=path, key=key)

    start = when(document["window"]["start"], "window.start")
    end = when(document["window"]["end"], "window.end")
    if end <= start:
        raise ConfigError(f"{path}: key 'window.end': must be after window.start")
    timeline = tuple(
        sorted(
            (
                TimelineEvent(when(event["time"], f"timeline.{i}.time"), event["kind"],
                              event["description"], event["source"])
                for i, event in enumerate(document["timeline"])
            ),
            key=lambda event: event.time,
        )
    )
    if not any(event.kind == "trigger" for event in timeline):
        raise ConfigError(f"{path}: key 'timeline': needs one event of kind 'trigger'")
    response = document["official_response"]
    response_time = when(response["time"], "official_response.time") if response["responded"] else None
    if response_time is None and any(event.kind == "official_response" for event in timeline):
        raise ConfigError(
            f"{path}: key 'official_response.responded': is false but the timeline has an official_response event"
        )
    discourse = document.get("discourse", {})
    phase_events = tuple(discourse.get("phase_events", sorted({event.kind for event in timeline})))
    unknown = [kind for kind in phase_events if not any(event.kind == kind for event in timeline)]
    if unknown:
        raise ConfigError(f"{path}: key 'discourse.phase_events': no timeline event of kind {unknown[0]!r}")
    if document["name"] != path.stem:
        raise ConfigError(f"{path}: key 'name': {document['name']!r} must equal the file name {path.stem!r}")
    return Case(
        name=document["name"],
        title=document["title"],
        timezone=timezone,
        window_start=start,
        window_end=end,
        keywords=tuple(document["relevance"]["keywords"]),
        hashtags=tuple(document["relevance"].get("hashtags", [])),
        inputs=tuple(document["inputs"]),
        timeline=timeline,
        responded=response["responded"],
        response_time=response_time,
        official_accounts=tuple(document.get("official_accounts", [])),
        lexicon_words=tuple(document.get("lexicon", {}).get("words", [])),
        frame_terms={k: tuple(v) for k, v in document.get("discourse", {}).get("frames", {}).items()},
        phase_events=phase_events,
        company=document.get("company", ""),
        demo=document.get("demo", {}),
        validation=document.get("validation", {}),
        response_strategy=response.get("strategy", ""),
        response_channel=response.get("channel", ""),
        source_path=str(path),
    )


def load_study_config(path: str | Path) -> dict:
    """Load and validate the global config (config/config.yaml)."""
    document = read_yaml(path)
    validate_against_schema(document, "config", path)
    return document


def check_model_location(model: str, built_here: str, source: str | Path = "config/config.yaml",
                         base_dir: str | Path = ".") -> None:
    """``sentiment.model`` must be the folder the pipeline trains (``built_here``), an existing transformers
    model folder, or a Hugging Face hub id ("org/name"); offline (``HF_HUB_OFFLINE=1``) a hub id must already
    be in the local cache. Raises ConfigError naming the file and key before any job runs."""
    import os
    import re

    key = f"{source}: key 'sentiment.model'"
    if model == built_here:
        return
    path = Path(base_dir) / Path(model).expanduser()
    if path.is_dir():
        if not (path / "config.json").exists():
            raise ConfigError(f"{key}: {model!r} is a folder without config.json, not a transformers model")
        return
    is_hub_id = (re.fullmatch(r"[A-Za-z0-9][\w.-]*/[\w.-]+", model) is not None
                 and not (Path(base_dir) / model.split("/")[0]).exists())
    if not is_hub_id:
        raise ConfigError(f"{key}: no model folder at {model!r} (nor is it a Hugging Face hub id such as "
                          f"'org/name'); use {built_here!r} to have the pipeline train its model")
    if os.environ.get("HF_HUB_OFFLINE") == "1" or os.environ.get("TRANSFORMERS_OFFLINE") == "1":
        from huggingface_hub import try_to_load_from_cache

        if not isinstance(try_to_load_from_cache(model, "config.json"), str):
            raise ConfigError(f"{key}: hub model {model!r} is not in the local Hugging Face cache and the hub is "
                              "offline (HF_HUB_OFFLINE=1)")


def case_path(config: dict, case_name: str) -> Path:
    return Path(config["case_dir"]) / f"{case_name}.yaml"
