import { Transform } from "node:stream";

const INSERT = Buffer.from("INSERT INTO `");
const CREATE = Buffer.from("CREATE TABLE `");
const ROUTINES_ON = Buffer.from("DELIMITER ;;\n");
const ROUTINES_OFF = Buffer.from("DELIMITER ;\n");
const NEWLINE = 0x0a;
const BACKTICK = 0x60;
const QUOTE = 0x27;
const BACKSLASH = 0x5c;
const OPEN = 0x28;
const CLOSE = 0x29;
const SEMICOLON = 0x3b;

const enum State {
  Head,
  Skip,
  Name,
  NameTick,
  Values,
  Text,
  Escape,
}

/**
 * Counts the rows of each table in a mariadb-dump/mysqldump stream as it passes
 * through, so the manifest counts exactly what the artifact holds, in the dump's
 * own `--single-transaction` snapshot (MariaDB cannot share a snapshot with
 * another connection). It relies on what the dump tool writes: each table's
 * `CREATE TABLE \`name\`` and each extended `INSERT INTO \`name\` VALUES (…),(…);`
 * start a line (recent mariadb-dump puts each row on a line of its own; the
 * statement ends at its `;` outside values), string values are single-quoted
 * with backslash escapes, and routine bodies sit between
 * `DELIMITER ;;` lines, where nothing is counted. One pass, a few byte
 * comparisons per byte; linear in the dump's size.
 */
export class DumpRowCounter extends Transform {
  private readonly rows = new Map<string, number>();
  private state = State.Head;
  private head: number[] = [];
  private name: number[] = [];
  private isInsert = false;
  private table = "";
  private depth = 0;
  private inRoutines = false;

  /** Rows per table, every table the dump created included (0 when it has no INSERT). */
  counts(): Map<string, number> {
    return this.rows;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null, data?: Buffer) => void): void {
    this.scan(chunk);
    done(null, chunk);
  }

  private scan(chunk: Buffer): void {
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i];
      switch (this.state) {
        case State.Head:
          this.onHead(byte);
          break;
        case State.Skip:
          if (byte === NEWLINE) this.state = State.Head;
          break;
        case State.Name:
          if (byte === BACKTICK) this.state = State.NameTick;
          else this.name.push(byte);
          break;
        case State.NameTick:
          if (byte === BACKTICK) {
            this.name.push(byte); // `` is an escaped backtick
            this.state = State.Name;
          } else {
            this.endName();
            i--; // this byte belongs to what follows the name
          }
          break;
        case State.Values:
          if (byte === QUOTE) this.state = State.Text;
          else if (byte === OPEN) {
            if (this.depth === 0) this.rows.set(this.table, (this.rows.get(this.table) ?? 0) + 1);
            this.depth++;
          } else if (byte === CLOSE) this.depth--;
          else if (byte === SEMICOLON && this.depth === 0) this.state = State.Skip; // the statement ends; so does its line
          break;
        case State.Text:
          if (byte === BACKSLASH) this.state = State.Escape;
          else if (byte === QUOTE) this.state = State.Values;
          break;
        case State.Escape:
          this.state = State.Text;
          break;
      }
    }
  }

  /** Collects a line's first bytes while they may still start one of the lines that matter. */
  private onHead(byte: number): void {
    if (byte === NEWLINE && this.head.length === 0) return;
    this.head.push(byte);
    const n = this.head.length;
    let isPrefix = false;
    for (const candidate of this.inRoutines ? [ROUTINES_ON, ROUTINES_OFF] : [INSERT, CREATE, ROUTINES_ON, ROUTINES_OFF]) {
      if (n > candidate.length || !this.head.every((b, k) => b === candidate[k])) continue;
      if (n < candidate.length) {
        isPrefix = true;
        continue;
      }
      this.head = [];
      if (candidate === INSERT || candidate === CREATE) return this.startName(candidate === INSERT);
      this.inRoutines = candidate === ROUTINES_ON;
      return; // the candidate ended with its newline: the next line starts
    }
    if (isPrefix) return;
    this.head = [];
    this.state = byte === NEWLINE ? State.Head : State.Skip;
  }

  private startName(isInsert: boolean): void {
    this.head = [];
    this.name = [];
    this.isInsert = isInsert;
    this.state = State.Name;
  }

  private endName(): void {
    this.table = Buffer.from(this.name).toString("utf8");
    if (!this.rows.has(this.table)) this.rows.set(this.table, 0);
    this.depth = 0;
    this.state = this.isInsert ? State.Values : State.Skip;
  }
}
