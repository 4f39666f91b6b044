"""Error classes raised with messages a planner can act on."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """One defect in an input file: which file, which record, which field, and what.

    Attributes
    ----------
    file : str
        File name (or table name for in-memory input), e.g. ``schools.geojson``.
    record : str
        Record id (``school_id``, ``village_id``, ...) or ``"-"`` for the whole file.
    field : str
        Column name, or ``"-"`` when the problem concerns the whole record.
    message : str
        What is wrong and what is expected.
    """

    file: str
    record: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: record {self.record}, field {self.field}: {self.message}"


class ValidationError(ValueError):
    """Input data that breaks the schema; carries every :class:`Problem` found.

    The first problems are in the message; all are in :attr:`problems`.
    """

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        head = "\n".join(f"  - {p}" for p in self.problems[:20])
        more = f"\n  ... and {len(self.problems) - 20} more" if len(self.problems) > 20 else ""
        super().__init__(f"{len(self.problems)} problem(s) in the input data:\n{head}{more}")

    @property
    def first(self) -> Problem:
        """The first problem found."""
        return self.problems[0]


@dataclass
class InfeasibleError(RuntimeError):
    """No plan satisfies the rules; :attr:`reasons` says which rules must give.

    Attributes
    ----------
    reasons : list[str]
        One sentence per cause, in a planner's words, naming villages, schools, towns.
    details : dict
        Machine-readable findings (e.g. ``{"unreachable": [...]}``).
    """

    reasons: list[str]
    details: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.explanation)

    @property
    def explanation(self) -> str:
        """All reasons as one text."""
        lines = "\n".join(f"  - {r}" for r in self.reasons)
        return f"No plan satisfies the rules of this scenario:\n{lines}"

    def __str__(self) -> str:
        return self.explanation


class SolverStoppedError(RuntimeError):
    """The solver stopped at its time limit before it found any plan for some units; no
    rule is shown to be broken.

    Attributes
    ----------
    units : list[str]
        The units without a plan (zone and levels).
    time_limit_s : float
        The wall-clock limit of each unit solve, seconds.
    """

    def __init__(self, units: list[str], time_limit_s: float) -> None:
        self.units = list(units)
        self.time_limit_s = float(time_limit_s)
        super().__init__(
            f"No plan was found within the time limit ({self.time_limit_s:g} s per unit) for "
            f"{len(self.units)} unit(s): {'; '.join(self.units[:10])}{' ...' if len(self.units) > 10 else ''}. "
            "No rule is shown to be broken: raise time_limit_s (the scenario's [solver] table or --time-limit), "
            "or plan fewer years at once."
        )


class OutputError(ValueError):
    """An output path that cannot or must not be written; nothing was written.

    Raised before any work when the output would overwrite an input, replace something
    that is not a plan folder, or cannot be created; the message names the path and the
    reason.
    """


def encoding_message(data: bytes, exc: UnicodeDecodeError) -> str:
    """Where a file stops being UTF-8, and a hint when it reads as GBK.

    Examples
    --------
    >>> data = "name = '孟津'".encode("gbk")
    >>> try:
    ...     data.decode("utf-8")
    ... except UnicodeDecodeError as exc:
    ...     print(encoding_message(data, exc))
    not UTF-8 text (byte 0xc3 on line 1); it looks GBK-encoded: save it as UTF-8
    """
    line = data.count(b"\n", 0, exc.start) + 1
    text = f"not UTF-8 text (byte 0x{data[exc.start]:02x} on line {line})"
    try:
        data.decode("gb18030")
    except UnicodeDecodeError:
        return text + "; save it as UTF-8"
    return text + "; it looks GBK-encoded: save it as UTF-8"
