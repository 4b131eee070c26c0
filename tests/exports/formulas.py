"""A tiny evaluator for the formulas the writer uses (SUM, IF, + - * /), in exact Decimal arithmetic.

It lets the writer tests check every total against Decimal sums without a
spreadsheet program; LibreOffice checks the same in test_libreoffice.
"""

from __future__ import annotations

import re
from decimal import Decimal

from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.workbook import Workbook

_TOKEN = re.compile(
    r"\s*(?:(?P<ref>(?:'[^']+'!|[A-Za-z]+!)?\$?[A-Z]+\$?\d*(?::\$?[A-Z]+\$?\d*)?)(?![A-Za-z(])"
    r"|(?P<func>[A-Z]+)\(|(?P<num>\d+(?:\.\d+)?)|(?P<str>\"[^\"]*\")|(?P<op>[-+*/(),=&]))"
)


class Evaluator:
    def __init__(self, workbook: Workbook) -> None:
        self.workbook = workbook

    def value(self, sheet: str, coordinate: str) -> Decimal | str | None:
        cell = self.workbook[sheet][coordinate]
        if cell.data_type == "f":
            return _Parser(self, sheet, cell.value[1:]).parse()
        if isinstance(cell.value, bool):
            raise TypeError(f"{sheet}!{coordinate} is a boolean")
        if isinstance(cell.value, int | float):
            return Decimal(repr(cell.value)) if isinstance(cell.value, float) else Decimal(cell.value)
        return cell.value

    def cells(self, sheet: str, ref: str) -> list[Decimal | str | None]:
        if "!" in ref:
            sheet, ref = ref.rsplit("!", 1)
            sheet = sheet.strip("'")
        ref = ref.replace("$", "")
        if ":" not in ref:
            return [self.value(sheet, ref)]
        start, end = ref.split(":")
        ws = self.workbook[sheet]
        first_col, first_row = _split(start, 1)
        last_col, last_row = _split(end, ws.max_row)
        return [
            self.value(sheet, f"{get_column_letter(col)}{row}")
            for row in range(first_row, last_row + 1)
            for col in range(first_col, last_col + 1)
        ]


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    while position < len(text.rstrip()):
        match = _TOKEN.match(text, position)
        assert match, f"cannot read {text[position:]!r} in {text!r}"
        assert match.lastgroup
        tokens.append((match.lastgroup, match.group(match.lastgroup)))
        position = match.end()
    return tokens


def _split(coordinate: str, default_row: int) -> tuple[int, int]:
    letters = coordinate.rstrip("0123456789")
    digits = coordinate[len(letters) :]
    return column_index_from_string(letters), int(digits) if digits else default_row


class _Parser:
    def __init__(self, evaluator: Evaluator, sheet: str, text: str) -> None:
        self.evaluator, self.sheet = evaluator, sheet
        self.tokens = _tokens(text)
        self.position = 0

    def parse(self) -> Decimal | str | None:
        result = self.expression()
        assert self.position == len(self.tokens), "unparsed tail"
        return result

    def peek(self) -> tuple[str | None, str | None]:
        return self.tokens[self.position] if self.position < len(self.tokens) else (None, None)

    def take(self) -> tuple[str | None, str | None]:
        token = self.peek()
        self.position += 1
        return token

    def expression(self) -> Decimal | str | None:
        left = self.additive()
        while self.peek() == ("op", "&"):  # joins text, after + and -
            self.take()
            left = _str(left) + _str(self.additive())
        if self.peek() == ("op", "="):
            self.take()
            return "TRUE" if _num(left) == _num(self.expression()) else "FALSE"
        return left

    def additive(self) -> Decimal | str | None:
        left = self.term()
        while self.peek() in (("op", "+"), ("op", "-")):
            _, op = self.take()
            right = self.term()
            left = _num(left) + _num(right) if op == "+" else _num(left) - _num(right)
        return left

    def term(self) -> Decimal | str | None:
        left = self.factor()
        while self.peek() in (("op", "*"), ("op", "/")):
            _, op = self.take()
            right = self.factor()
            if op == "/" and _num(right) == 0:
                return "#DIV/0!"  # as Excel shows it; IF(C=0,"",...) never lets it through
            left = _num(left) * _num(right) if op == "*" else _num(left) / _num(right)
        return left

    def factor(self) -> Decimal | str | None:
        kind, text = self.take()
        if kind == "num":
            return Decimal(text)
        if kind == "str":
            return text[1:-1]
        if kind == "ref":
            values = self.evaluator.cells(self.sheet, text)
            assert len(values) == 1, f"a range {text} outside a function"
            return values[0]
        if kind == "func":
            return self.function(text)
        if (kind, text) == ("op", "-"):
            return -_num(self.factor())
        raise AssertionError(f"unexpected {text!r}")

    def arguments(self) -> list[list[Decimal | str | None]]:
        args = []
        while True:
            kind, text = self.peek()
            if kind == "ref" and ":" in text:
                self.take()
                args.append(self.evaluator.cells(self.sheet, text))
            else:
                args.append([self.expression()])
            kind, text = self.take()
            if text == ")":
                return args
            assert text == ",", text

    def function(self, name: str) -> Decimal | str | None:
        args = self.arguments()
        if name == "SUM":
            return sum((v for arg in args for v in arg if isinstance(v, Decimal)), Decimal(0))
        if name == "SUMIFS":  # exact-text criteria, as exports.detail.criterion writes them
            amounts, *pairs = args
            ranges, criteria = pairs[0::2], [_criterion(arg[0]) for arg in pairs[1::2]]
            return sum(
                (
                    amount
                    for i, amount in enumerate(amounts)
                    if isinstance(amount, Decimal) and all(c(r[i]) for r, c in zip(ranges, criteria, strict=True))
                ),
                Decimal(0),
            )
        if name == "IF":
            condition, yes, no = (arg[0] for arg in args)
            return yes if condition == "TRUE" else no
        raise AssertionError(f"unexpected function {name}")


def _criterion(text: Decimal | str | None):
    """A SUMIFS criterion as a test of a cell: "<>" (not empty), else exact text, ignoring case, ~ escaping."""
    text = "" if text is None else str(text)
    if text == "<>":
        return lambda value: value not in (None, "")
    if text.startswith("="):
        text = text[1:]
    wanted = re.sub(r"~(.)", r"\1", text).lower()
    return lambda value: ("" if value is None else str(value)).lower() == wanted


def _str(value: Decimal | str | None) -> str:
    assert not isinstance(value, Decimal), f"not text: {value!r}"
    return "" if value is None else value


def _num(value: Decimal | str | None) -> Decimal:
    if value is None:
        return Decimal(0)
    assert isinstance(value, Decimal), f"not a number: {value!r}"
    return value
