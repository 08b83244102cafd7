"""``--help`` pages: rich panels with real metavars and plain defaults, readable at 80 columns.

typer's own rich help puts a type placeholder after every flag (``--presplit <bool>``), braces
around required arguments in the usage line (``{src} {tgt}``), parentheses around a default given as
text (``[default: (4)]``), and spreads five name columns across the page so that at 80 columns the
descriptions are squeezed and cut. Our commands use these classes instead: one column of names
(``-o, --output FILE``, ``--margin / --no-margin``), one of descriptions that wraps, never cuts.
"""

from __future__ import annotations

import inspect
import os
import shutil
from typing import TYPE_CHECKING, Any

from typer.core import TyperCommand, TyperGroup

if TYPE_CHECKING:  # rich is imported when a help page is shown, not on every command's start
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

MAX_WIDTH = 120
_METAVARS = {"int": "N", "float": "X", "str": "TEXT", "Path": "PATH"}


def _metavar(param: Any) -> str:
    if getattr(param, "is_flag", False):
        return ""
    if param.metavar:
        return str(param.metavar)
    if param.param_type_name == "argument":
        return str(param.name).upper()
    kind = str(param.bare_type())
    return _METAVARS.get(kind, kind.upper())


def _argument(param: Any) -> str:
    name = _metavar(param)
    return name + "..." if param.nargs != 1 and "..." not in name else name


def usage_piece(param: Any) -> str:
    """``SRC``, ``FILES...``, ``[CORPUS]``: an argument as the usage line shows it."""
    return _argument(param) if param.required else f"[{_argument(param)}]"


def _default(param: Any, ctx: Any) -> str | None:
    if param.required or (param.param_type_name != "option" and param.default is None):
        return None
    shown = getattr(param, "show_default", True)
    if isinstance(shown, str):
        return shown
    if shown is False:
        return None
    value = param.get_default(ctx, call=False)
    if value is None or callable(value):
        return None
    if getattr(param, "is_flag", False):
        if param.secondary_opts:
            return str((param.opts if value else param.secondary_opts)[0])
        return None
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value)) or None
    return str(value)


def _names(param: Any) -> str:
    if param.param_type_name == "argument":
        return _argument(param)
    opts = sorted(param.opts, key=lambda o: (o.startswith("--"), o))
    text = ", ".join(opts)
    if param.secondary_opts:
        text += " / " + ", ".join(param.secondary_opts)
    metavar = _metavar(param)
    return f"{text} {metavar}" if metavar else text


def _help(param: Any, ctx: Any) -> Text:
    from rich.text import Text

    text = Text.from_markup(" ".join((param.help or "").split()))
    extras = []
    default = _default(param, ctx)
    if default is not None:
        extras.append(f"[default: {default}]")
    span = param._get_number_range_help_str() if hasattr(param, "_get_number_range_help_str") else None
    if span:
        extras.append(f"[{span}]")
    if param.required:
        extras.append("[required]")
    if extras:
        text.append((" " if text else "") + " ".join(extras), style="dim")
    return text


def _table(rows: list[tuple[str, Text]]) -> Table:
    from rich.table import Table

    table = Table.grid(padding=(0, 2), expand=True)
    table.add_column(style="bold cyan", overflow="fold", max_width=30)
    table.add_column(ratio=1, overflow="fold")
    for names, help_text in rows:
        table.add_row(names, help_text)
    return table


def _console() -> Console:
    from rich.console import Console

    width = int(os.environ.get("TERMINAL_WIDTH") or 0) or shutil.get_terminal_size((80, 24)).columns
    return Console(width=min(max(width, 40), MAX_WIDTH), highlight=False, soft_wrap=False)


def _paragraphs(help_text: str) -> list[str]:
    return [" ".join(p.split()) for p in inspect.cleandoc(help_text).split("\n\n") if p.strip()]


def render(command: Any, ctx: Any, commands: list[tuple[str, str]] | None = None) -> None:
    """Print the help page of ``command`` (a group also lists its ``commands``: name, short help)."""
    from rich.panel import Panel
    from rich.text import Text

    console = _console()
    pieces = [command.options_metavar or ""] + [usage_piece(p) for p in command.get_params(ctx)
                                                  if p.param_type_name == "argument"]
    if commands is not None:
        pieces.append("COMMAND [ARGS]...")
    console.print(Text("Usage: ", style="yellow") + Text(" ".join([ctx.command_path, *filter(None, pieces)]),
                                                          style="bold"))
    for paragraph in _paragraphs(command.help or ""):
        console.print()
        console.print(Text.from_markup(paragraph))
    console.print()
    params = [p for p in command.get_params(ctx) if not getattr(p, "hidden", False)]
    arguments = [(_names(p), _help(p, ctx)) for p in params if p.param_type_name == "argument"]
    options = [(_names(p), _help(p, ctx)) for p in params if p.param_type_name == "option"]
    for title, rows in (("Arguments", arguments), ("Options", options)):
        if rows:
            console.print(Panel(_table(rows), title=title, title_align="left", border_style="dim"))
    if commands:
        rows = [(name, Text.from_markup(short)) for name, short in commands]
        console.print(Panel(_table(rows), title="Commands", title_align="left", border_style="dim"))


class Command(TyperCommand):
    """A command whose usage line and help page follow this module."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        return pieces + [usage_piece(p) for p in self.get_params(ctx) if p.param_type_name == "argument"]

    def format_help(self, ctx: Any, formatter: Any) -> None:
        render(self, ctx)


class Group(TyperGroup):
    """A command group (``aligner``, ``aligner review``) whose help page follows this module."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        listed = []
        for name in self.list_commands(ctx):
            cmd = self.get_command(ctx, name)
            if cmd is not None and not cmd.hidden:
                listed.append((name, cmd.get_short_help_str(limit=200)))
        render(self, ctx, listed)
