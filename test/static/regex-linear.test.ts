import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { checkSync } from "recheck";
import ts from "typescript";
import { describe, expect, it } from "vitest";

// Every regular expression in Berth's own source (services, SDKs, providers, the example
// plugin) must run in linear time, whatever it is applied to: user input reaches more of
// them than anyone can keep track of, and all services share one event loop in `berth dev`.
// recheck proves each one free of super-linear backtracking (or finds the attack string).

const root = new URL("../..", import.meta.url).pathname;

function sourceFiles(): string[] {
  const listed = execFileSync("git", ["ls-files", "services/*/src/*.ts", "sdk/*/src/*.ts", "providers/*/src/*.ts", "test/plugins/*/src/*.ts"], { cwd: root, encoding: "utf8" });
  return listed.split("\n").filter((f) => f && !f.includes("/gen/"));
}

function regexLiterals(file: string): Array<{ where: string; source: string; flags: string }> {
  const sf = ts.createSourceFile(file, readFileSync(`${root}/${file}`, "utf8"), ts.ScriptTarget.Latest, true);
  const found: Array<{ where: string; source: string; flags: string }> = [];
  const visit = (node: ts.Node) => {
    if (node.kind === ts.SyntaxKind.RegularExpressionLiteral) {
      const text = node.getText(sf);
      const end = text.lastIndexOf("/");
      found.push({ where: `${file}:${sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1}`, source: text.slice(1, end), flags: text.slice(end + 1) });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

describe("regular expressions in Berth's source", () => {
  it("all run in linear time", { timeout: 120_000 }, () => {
    const literals = sourceFiles().flatMap(regexLiterals);
    expect(literals.length).toBeGreaterThan(100);
    const unsafe = literals
      .map((r) => ({ ...r, result: checkSync(r.source, r.flags) }))
      .filter((r) => r.result.status !== "safe")
      .map((r) => `${r.where} /${r.source}/${r.flags}: ${r.result.status}${r.result.status === "vulnerable" ? ` (${r.result.complexity.type}, attack: ${JSON.stringify(r.result.attack.pattern)})` : ""}`);
    expect(unsafe).toEqual([]);
  });
});
