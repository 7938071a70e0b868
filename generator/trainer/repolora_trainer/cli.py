"""Command line: `python -m repolora_trainer train ...` and `python -m repolora_trainer eval ...`.

train: stdout carries JSON-lines progress only (see progress.py); logs go to stderr.
eval:  stdout is empty unless --json, which prints report.json's object; the TypeScript CLI formats it (the
       report card's one table: generator/src/report/text.ts). --no-write leaves the bundle's report.json as it is.
Exit codes: 0 ok, 2 bad input (config, dataset, model, adapter), 130 cancelled, 1 anything else.
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn, TextIO

from .cancel import CancelToken
from .config import _EXPECTED_TYPES, field_help, load_config
from .errors import CancelledError, TrainerError
from .progress import Progress, claim_stdout, log


def _add_config_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("config fields (each overrides the same field of --config)")
    for name, (text, default) in field_help().items():
        flags = [f"--{name.replace('_', '-')}"]
        expected = _EXPECTED_TYPES[name]
        help_text = f"{text} (default: {default})"
        if expected is bool:
            group.add_argument(
                *flags, dest=name, action=argparse.BooleanOptionalAction, default=argparse.SUPPRESS, help=help_text
            )
        elif expected is int:
            group.add_argument(*flags, dest=name, type=int, default=argparse.SUPPRESS, help=help_text)
        elif expected is float:
            group.add_argument(*flags, dest=name, type=float, default=argparse.SUPPRESS, help=help_text)
        else:  # str, str-or-null, list (comma-separated), 'all'-or-int: parsed by the config itself
            group.add_argument(*flags, dest=name, type=str, default=argparse.SUPPRESS, help=help_text)


class UsageError(Exception):
    """A bad command line; reported as BAD_CONFIG in the protocol like any other config error."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m repolora_trainer", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)

    train = sub.add_parser("train", help="train an adapter, then write its report card")
    train.add_argument(
        "--dataset", required=True, type=Path, help="dataset folder (train.jsonl, eval.jsonl, dataset.json)"
    )
    train.add_argument("--config", type=Path, help="JSON config file; flags below override its fields")
    train.add_argument("--out", required=True, type=Path, help="adapter bundle folder to create or replace")
    train.add_argument("--no-eval", action="store_true", help="skip the report card after training")
    _add_config_flags(train)

    ev = sub.add_parser(
        "eval",
        help="score base vs adapter on eval.jsonl and write report.json into the bundle; or, with --stack, score "
        "base, each adapter alone and their weighted stack",
    )
    ev.add_argument("--dataset", required=True, type=Path)
    ev.add_argument("--adapter", type=Path, help="adapter bundle (or plain PEFT folder)")
    ev.add_argument(
        "--stack",
        action="append",
        metavar="DIR[:WEIGHT]",
        help="an adapter of a stack, optionally weighted (default 1); repeat for each. The stack is the runtime's: "
        "concatenated along the rank axis, delta-W = sum of weight * scale * B @ A",
    )
    ev.add_argument("--names", help="comma-separated system names of the --stack adapters (default adapter1, ...)")
    ev.add_argument("--out", type=Path, help="with --stack: write the report card (report.json format) here")
    ev.add_argument("--base", help="base model (default: the one recorded in the bundle)")
    ev.add_argument("--control", type=Path, help="a second adapter scored alongside, e.g. one trained on another repo")
    ev.add_argument(
        "--baseline",
        type=Path,
        help="the default completion system's adapter: base + it is scored as system 'default' and the verdict "
        "compares the adapter with it (without it, with the raw base)",
    )
    ev.add_argument("--nll-limit", type=int, default=200, help="eval examples for the NLL comparison (0 = all)")
    ev.add_argument("--limit", type=int, default=0, help="score only the first N eval examples (0 = all)")
    ev.add_argument("--max-new-tokens", type=int, default=64)
    ev.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    ev.add_argument("--json", action="store_true", help="print the report (report.json's object) on stdout")
    ev.add_argument("--no-write", action="store_true", help="score only: leave the bundle's report.json unchanged")
    return parser


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    return {name: getattr(args, name) for name in _EXPECTED_TYPES if hasattr(args, name)}


def main(argv: Sequence[str] | None = None, stdout: TextIO | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as err:
        # The parent reads stdout as JSON lines even for a bad command line.
        print(parser.format_usage(), file=sys.stderr, end="")
        return _fail(Progress(stdout or claim_stdout()), "BAD_CONFIG", str(err), 2)
    # stdout belongs to the protocol: claim it before any library can print there.
    wants_stdout = args.command == "train" or getattr(args, "json", False)
    out = stdout if stdout is not None else (claim_stdout() if wants_stdout else None)
    # eval keeps stdout for --json; its progress is echoed to stderr instead.
    progress = Progress(out) if args.command == "train" else Progress(None, echo=True)
    cancel = CancelToken()
    cancel.install_signal_handlers()
    try:
        if args.command == "train":
            from .commands import train_command

            config = load_config(args.config, _overrides(args))
            done = train_command(args.dataset, config, args.out, progress, cancel, run_eval=not args.no_eval)
            progress.emit("done", **done)
        else:
            from .commands import eval_command, parse_stack_member, stack_eval_command

            if (args.adapter is None) == (not args.stack):
                raise UsageError("eval: give either --adapter or one or more --stack")
            if args.stack:
                names = args.names.split(",") if args.names else [f"adapter{i + 1}" for i in range(len(args.stack))]
                if len(names) != len(args.stack):
                    raise UsageError(f"eval: --names has {len(names)} names for {len(args.stack)} --stack adapters")
                members = [(n.strip(), *parse_stack_member(v)) for n, v in zip(names, args.stack, strict=True)]
                report = stack_eval_command(
                    args.dataset,
                    members,
                    progress,
                    cancel,
                    out=args.out,
                    base=args.base,
                    limit=args.limit,
                    max_new_tokens=args.max_new_tokens,
                    device=args.device,
                )
            else:
                report = eval_command(
                    args.dataset,
                    args.adapter,
                    progress,
                    cancel,
                    base=args.base,
                    control=args.control,
                    limit=args.limit,
                    max_new_tokens=args.max_new_tokens,
                    device=args.device,
                    baseline=args.baseline,
                    nll_limit=args.nll_limit,
                    write=not args.no_write,
                )
            if args.json and out is not None:
                out.write(json.dumps(report, indent=2) + "\n")
                out.flush()
        return 0
    except TrainerError as err:
        return _fail(progress, err.code, str(err), err.exit_code)
    except UsageError as err:
        return _fail(progress, "BAD_CONFIG", str(err), 2)
    except KeyboardInterrupt:
        return _fail(progress, CancelledError.code, "interrupted; no adapter was written", CancelledError.exit_code)
    except MemoryError as err:
        return _fail(progress, "OOM", f"out of host memory: {err}; lower micro_batch or max_tokens", 1)
    except Exception as err:  # last resort: still report it in the protocol, traceback on stderr
        traceback.print_exc(file=sys.stderr)
        code = "OOM" if "out of memory" in str(err).lower() else "INTERNAL"
        return _fail(progress, code, f"{type(err).__name__}: {err}", 1)


def _fail(progress: Progress, code: str, message: str, exit_code: int) -> int:
    log(f"error {code}: {message}")
    progress.emit("error", code=code, message=message)
    return exit_code
