"""Errors in flow files, named by file, flow and step."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class FlowProblem:
    file: Path
    message: str
    flow: str | None = None
    step: str | None = None

    def __str__(self) -> str:
        where = [str(self.file)]
        if self.flow:
            where.append(f"flow '{self.flow}'")
        if self.step:
            where.append(self.step)
        return f"{', '.join(where)}: {self.message}"


class FlowLoadError(Exception):
    """One or more flow files are broken; ``problems`` says where and why."""

    def __init__(self, problems: list[FlowProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))
