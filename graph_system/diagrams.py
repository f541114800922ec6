"""The graphs' Mermaid diagrams, as pydantic-graph renders them, kept in README.md.

    python -m graph_system.diagrams          # rewrite the diagram blocks in README.md
    python -m graph_system.diagrams --check  # exit 1 if README.md is stale
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from graph_system.workflows import (
    build_config_extraction_graph,
    build_domain_config_graph,
    build_search_workflow_graph,
)

README = Path(__file__).resolve().parent / "README.md"
_BLOCK = re.compile(r"(<!-- diagram:(\w+) -->\n```mermaid\n)(.*?)(```\n)", re.S)


def diagrams() -> dict[str, str]:
    return {
        "ConfigExtractionGraph": build_config_extraction_graph().render(),
        "SearchWorkflowGraph": build_search_workflow_graph().render(),
        "DomainConfigGraph": build_domain_config_graph().render(),
    }


def refreshed(text: str) -> str:
    rendered = diagrams()

    def replace(match: re.Match[str]) -> str:
        name = match.group(2)
        if name not in rendered:
            raise KeyError(f"{README}: unknown diagram {name!r}")
        return match.group(1) + rendered[name] + "\n" + match.group(4)

    return _BLOCK.sub(replace, text)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    current = README.read_text(encoding="utf-8")
    wanted = refreshed(current)
    if args.check:
        if wanted != current:
            print(f"{README}: diagrams are stale; run python -m graph_system.diagrams",
                  file=sys.stderr)
            return 1
        return 0
    README.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
