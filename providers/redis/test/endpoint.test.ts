import { describe, expect, it } from "vitest";
import { endpointOf } from "../src/resp.js";

describe("endpointOf", () => {
  it("reads a lone userinfo as the password, as redis-cli does (and as masking assumes)", () => {
    expect(endpointOf("redis://s3cret-pw@cache.internal:6380/2")).toEqual({ host: "cache.internal", port: 6380, tls: false, user: undefined, password: "s3cret-pw", db: 2 });
  });

  it("reads user:password and :password", () => {
    expect(endpointOf("rediss://app:p%40ss@cache.internal/0")).toMatchObject({ user: "app", password: "p@ss", tls: true });
    expect(endpointOf("redis://:p%40ss@cache.internal")).toMatchObject({ user: undefined, password: "p@ss" });
  });

  it("has no credentials without userinfo", () => {
    expect(endpointOf("redis://127.0.0.1:6379")).toMatchObject({ user: undefined, password: undefined, port: 6379, db: 0 });
  });
});
