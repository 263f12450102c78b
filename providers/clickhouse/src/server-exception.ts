/**
 * When a query fails after ClickHouse has started a 200 response, the server
 * appends its exception text to the body and ends the response normally (18.16
 * does; newer versions may add an `__exception__` marker). A backup therefore
 * holds back the last bytes of each table's data and looks for that text there.
 */
export const TAIL_BYTES = 64 * 1024;

const EXCEPTION = /^Code: \d+[.,] (?:e\.displayText\(\) = )?[A-Za-z_:]*Exception\b/;

/**
 * The server exception that ends `tail`, if there is one. A value in the data that
 * happens to end with such text makes the backup fail rather than pass
 * unnoticed: failing is the safe side.
 */
export function trailingException(tail: Buffer): string | undefined {
  const text = tail.toString("latin1");
  const marker = text.lastIndexOf("__exception__");
  if (marker >= 0) return text.slice(marker).replace(/__exception__/g, "").trim().slice(0, 500);
  // The message is text to the end of the body: a NUL after a candidate means it was data.
  const lastNul = text.lastIndexOf("\0");
  for (let at = text.lastIndexOf("Code: "); at > lastNul; at = at > 0 ? text.lastIndexOf("Code: ", at - 1) : -1) {
    if (EXCEPTION.test(text.slice(at, at + 200))) return text.slice(at).trim().slice(0, 500);
  }
  return undefined;
}
