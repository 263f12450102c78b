/**
 * Quoting for statements built by hand: ClickHouse 18.16 has no query
 * parameters, so names and values are escaped the way its lexer reads them.
 */
export function quoteIdentifier(name: string): string {
  return "`" + name.replace(/\\/g, "\\\\").replace(/`/g, "\\`") + "`";
}

export function quoteString(value: string): string {
  return "'" + value.replace(/\\/g, "\\\\").replace(/'/g, "\\'") + "'";
}

/** `db`.`table` */
export function qualified(database: string, table: string): string {
  return `${quoteIdentifier(database)}.${quoteIdentifier(table)}`;
}

/** Parses TabSeparated output into rows of unescaped fields. */
export function parseTabSeparated(text: string): string[][] {
  return text
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) => line.split("\t").map(unescapeField));
}

const ESCAPES: Record<string, string> = { n: "\n", t: "\t", r: "\r", b: "\b", f: "\f", "0": "\0", "\\": "\\", "'": "'" };

function unescapeField(field: string): string {
  return field.replace(/\\(.)/g, (_, c: string) => ESCAPES[c] ?? c);
}

/** SQL-driven users (CREATE USER, GRANT) exist from ClickHouse 20.4 on. */
export function hasSqlUsers(version: string): boolean {
  const [major, minor] = version.split(".").map(Number);
  return major > 20 || (major === 20 && minor >= 4);
}
