"""Reading an uploaded YAML or JSON set-up file (agencies, catalogue) without surprises."""

from typing import Any

import yaml

from dossiers.errors import InvalidFile

MAX_BYTES = 5 * 1024 * 1024  # a province's agencies or catalogue is well under a megabyte


class _NoAliases(yaml.SafeLoader):
    """SafeLoader without anchors and aliases: a few lines of nested aliases expand to
    gigabytes ("billion laughs"); set-up files have no use for them."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise yaml.YAMLError("aliases are not allowed")
        return super().compose_node(parent, index)


def read_setup_file(raw: bytes) -> Any:
    if len(raw) > MAX_BYTES:
        raise InvalidFile("Tệp lớn quá 5 MB", "The file is larger than 5 MB", code="too_large")
    try:
        return yaml.load(raw.decode("utf-8"), Loader=_NoAliases)  # noqa: S506 - a SafeLoader
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise InvalidFile(
            f"Tệp không đọc được (YAML hoặc JSON, UTF-8): {error}",
            f"Unreadable file (YAML or JSON, UTF-8): {error}",
            code="unreadable_file",
        ) from None
