import { describe, expect, it } from "vitest";
import { parseConnectionUrl } from "../src/connection-url/parse.js";
import { mysqlUrlRule } from "../src/connection-url/rules/mysql.js";
import { isProviderError } from "../src/errors.js";

function refusal(run: () => unknown): { code: string; message: string; field?: string } {
  try {
    run();
  } catch (error) {
    expect(isProviderError(error)).toBe(true);
    return error as { code: string; message: string; field?: string };
  }
  throw new Error("expected a ProviderError");
}

describe("parseConnectionUrl", () => {
  it("reads an admin URL with the kind's rule, naming the field it came from", () => {
    expect(parseConnectionUrl("mariadb://root:pw@127.0.0.1/", mysqlUrlRule, "admin_url")).toMatchObject({ scheme: "mariadb", host: "127.0.0.1", port: 3306, user: "root", segments: [] });
    const refused = refusal(() => parseConnectionUrl("postgres://root:s3cret@db:3306/", mysqlUrlRule, "admin_url"));
    expect(refused).toMatchObject({ code: "invalid_input", field: "admin_url" });
    expect(refused.message).toContain("use one of mysql://, mariadb://");
    expect(refused.message).not.toContain("s3cret");
  });

  it("reports a connection URL's problems on connection_url by default", () => {
    expect(refusal(() => parseConnectionUrl("mysql://root:pw@db:99999/app", mysqlUrlRule))).toMatchObject({ code: "invalid_input", field: "connection_url" });
  });
});
