"""Load YAML into a pydantic model; an error names the file, the line and the field, and a
``ConfigPath`` in it is relative to the file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, TypeVar

import yaml
from pydantic import AfterValidator, BaseModel, ValidationError, ValidationInfo

M = TypeVar("M", bound=BaseModel)

Path_ = tuple[str | int, ...]

CONFIG_DIR = "config_dir"
"""The validation-context key holding the folder of the file being loaded."""


def resolve(path: Path, info: ValidationInfo) -> Path:
    """``path`` as it is if absolute, else joined to the folder of the file being loaded (a
    model built in code, with no such folder, keeps its paths as given)."""
    base = info.context.get(CONFIG_DIR) if isinstance(info.context, dict) else None
    if path.is_absolute() or base is None:
        return path
    return Path(base) / path


ConfigPath = Annotated[Path, AfterValidator(resolve)]
"""A file named in a config file: relative to that file. A default is resolved only when its
field says ``validate_default=True``."""


class ConfigError(ValueError):
    """A configuration file that cannot be used, with every problem found in it."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        super().__init__("\n".join(problems))


def load_model(path: Path | str, model: type[M]) -> M:
    """Parse and validate ``path`` as ``model``; paths in it are relative to ``path``
    (the validation context carries its folder, see ``edge_agent.config.paths``)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(path, [f"{path}: cannot read: {exc.strerror}"]) from exc
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise ConfigError(path, [f"{where}: not valid YAML: {exc}"]) from exc
    lines = _lines(root) if root is not None else {}
    try:
        context = {CONFIG_DIR: path.parent}
        return model.model_validate(data if data is not None else {}, context=context)
    except ValidationError as exc:
        problems = [_describe(path, lines, error) for error in exc.errors()]
        raise ConfigError(path, problems) from exc


def _describe(path: Path, lines: dict[Path_, int], error: dict[str, object]) -> str:
    loc = _in_file(lines, tuple(error["loc"]))  # type: ignore[arg-type]
    field = _dotted(loc) or "(top level)"
    line = _nearest_line(lines, loc)
    where = f"{path}:{line}" if line else str(path)
    return f"{where}: {field}: {error['msg']}"


def _in_file(lines: dict[Path_, int], loc: tuple[object, ...]) -> Path_:
    """The error's location as the file spells it: pydantic puts the tag of a union member
    in the path (``devices[0].modbus.transport.tcp.port``); the file has no such key, so
    inner parts that are not in the file are left out (the last part, a field that may be
    missing, is kept)."""
    path: Path_ = ()
    parts = [part for part in loc if isinstance(part, str | int)]
    for index, part in enumerate(parts):
        if (*path, part) in lines or index == len(parts) - 1:
            path = (*path, part)
    return path


def _dotted(loc: Path_) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _nearest_line(lines: dict[Path_, int], loc: Path_) -> int | None:
    """The line of the field, or of its closest parent that exists in the file."""
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def _lines(node: yaml.Node, prefix: Path_ = ()) -> dict[Path_, int]:
    lines: dict[Path_, int] = {prefix: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = (*prefix, key.value)
            lines[child] = key.start_mark.line + 1
            lines.update({k: v for k, v in _lines(value, child).items() if k != child})
    elif isinstance(node, yaml.SequenceNode):
        for index, value in enumerate(node.value):
            lines.update(_lines(value, (*prefix, index)))
    return lines
