"""How the command line answers its own misuse: usage errors (a missing argument, an unknown option, a
value of the wrong type) as the one `error:` line on stderr that bad input gives everywhere, and
help that shows no value after a flag."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import typer
from rich.console import Console
from typer.core import TyperGroup, TyperOption

_err = Console(stderr=True, highlight=False)


_value_type: Any = getattr(TyperOption, "display_type_rich", None)


def _flag_type(self: TyperOption, ctx: Any) -> str | None:
    """typer 0.29 shows a flag's type (`--summary <bool>`) as if it took a value: a flag shows none."""
    return None if self.is_flag or self.count else _value_type(self, ctx)


if _value_type is not None:  # earlier typers show no type for a flag
    TyperOption.display_type_rich = _flag_type  # type: ignore[method-assign]


def _click_error(name: str) -> type[Exception]:
    """click's exception class `name` (typer 0.29 vendors click; earlier ones use the package)."""
    return next(c for c in typer.BadParameter.__mro__ if c.__name__ == name)


ClickException, UsageError_ = _click_error("ClickException"), _click_error("UsageError")


def _one_line(e: Exception) -> str:
    msg = e.format_message()  # type: ignore[attr-defined]
    ctx = getattr(e, "ctx", None)
    if isinstance(e, UsageError_) and ctx is not None:
        msg = f"{msg.rstrip('.')}; try '{ctx.command_path} --help'"
    return f"error: {msg}"


class OneLineErrors(TyperGroup):
    """Usage errors (a missing argument, an unknown option, a value of the wrong type) as the one
    `error:` line on stderr that bad input gives everywhere, with where to look, and exit code 2."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        def run() -> Any:
            return super(OneLineErrors, self).main(
                args, prog_name, complete_var, False, windows_expand_args, **extra
            )

        if not standalone_mode:
            return run()
        try:
            rv = run()
        except ClickException as e:
            if type(e).__name__ == "NoArgsIsHelpError":
                typer.echo(e.format_message())  # type: ignore[attr-defined]  # the help: nothing given
            else:
                _err.print(_one_line(e), markup=False, highlight=False, soft_wrap=True)
            raise SystemExit(getattr(e, "exit_code", 2)) from None
        except typer.Abort:
            _err.print("aborted", markup=False)
            raise SystemExit(1) from None
        raise SystemExit(rv if isinstance(rv, int) else 0)
