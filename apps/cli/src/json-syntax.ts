import { InputError } from '@oversight/core';
import { type ParseError, parse as parseJsonc, printParseErrorCode } from 'jsonc-parser';

/**
 * Config files are JSON with comments (`//`, `/* *\/`) and trailing commas allowed, as in the
 * README's examples. A syntax error is told in plain words, with the line, the column and the line
 * itself, instead of the parser's code names.
 */

const VALUE = 'a value (a number, "text" in double quotes, true, false, null, {…} or […])';

function describe(error: ParseError, text: string): string {
  const token = text.slice(error.offset, error.offset + Math.max(1, error.length));
  const before = text.slice(0, error.offset).trimEnd();
  // By name: the parser's codes are a const enum, which this project's compiler settings cannot read.
  switch (printParseErrorCode(error.error)) {
    case 'InvalidSymbol':
      return /^[A-Za-z_$]/.test(token)
        ? `unexpected ${JSON.stringify(token)}: field names and text need double quotes ("${token}"), and true, false and null are lower case`
        : `unexpected ${JSON.stringify(token)}`;
    case 'InvalidNumberFormat':
      return `${JSON.stringify(token)} is not a number JSON accepts (write 0.5, not .5; no leading zeros)`;
    case 'PropertyNameExpected':
      return `expected a field name in double quotes, such as "name"`;
    case 'ValueExpected':
      if (text.trim() === '') return 'the file is empty; an experiment config is an object: { "name": … }';
      if (error.offset >= text.length) return `the file ends where ${VALUE} was expected`;
      return before.endsWith(':') ? `expected ${VALUE} after the colon` : `expected ${VALUE}`;
    case 'ColonExpected':
      return 'expected a colon (:) between the field name and its value';
    case 'CommaExpected':
      return 'a comma is missing between the previous item and this one';
    case 'CloseBraceExpected':
      return 'a closing brace (}) is missing: an object is not closed';
    case 'CloseBracketExpected':
      return 'a closing bracket (]) is missing: a list is not closed';
    case 'EndOfFileExpected':
      return `unexpected ${JSON.stringify(token)} after the end of the config (one closing brace too many?)`;
    case 'InvalidCommentToken':
      return 'a malformed comment; write // to the end of the line, or /* … */';
    case 'UnexpectedEndOfComment':
      return 'a comment opened with /* is never closed with */';
    case 'UnexpectedEndOfString':
      return 'a text value is never closed with a double quote (")';
    case 'UnexpectedEndOfNumber':
      return 'a number is cut short';
    case 'InvalidUnicode':
      return 'a malformed \\u escape (write \\u followed by four hex digits)';
    case 'InvalidEscapeCharacter':
      return 'an unknown escape after a backslash (write \\\\ for a backslash itself)';
    case 'InvalidCharacter':
      return 'a line break or tab inside text; write \\n or \\t instead';
    default:
      return 'the JSON is malformed here';
  }
}

/** Parses JSON with comments and trailing commas; throws an InputError naming the place and the fix. */
export function parseJsonWithComments(text: string, file: string): unknown {
  const errors: ParseError[] = [];
  const value: unknown = parseJsonc(text.replace(/^\uFEFF/, ''), errors, {
    allowTrailingComma: true,
    disallowComments: false,
  });
  const first = errors[0];
  if (!first) return value;
  const lineStart = text.lastIndexOf('\n', first.offset - 1) + 1;
  const lineEnd = text.indexOf('\n', first.offset);
  const line = text.slice(0, first.offset).split('\n').length;
  const column = first.offset - lineStart + 1;
  const shown = text.slice(lineStart, lineEnd === -1 ? undefined : lineEnd);
  throw new InputError(
    `${file}: not valid JSON at line ${line}, column ${column}: ${describe(first, text)}\n    ${shown}\n    ${' '.repeat(column - 1)}^`,
    `${file}:${line}`,
  );
}
