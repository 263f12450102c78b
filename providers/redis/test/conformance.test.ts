import { runProviderConformance } from "@berth/provider-sdk/conformance";
import { redisProvider } from "../src/index.js";
import { REDIS_ADMIN_URL, requireRedis, withRedis } from "./support.js";

await requireRedis();

runProviderConformance({
  provider: redisProvider,
  kind: "redis",
  // A URL's path is a db index 0-15, all of which a default server has; a key prefix
  // the user may not read is permission_denied (test/probe.test.ts checks that).
  probeCases: { missingDatabase: "not-applicable: every redis db index a URL may name (0-15) exists on a default server" },
  target: { name: "conformance", kind: "redis", adminUrl: REDIS_ADMIN_URL },
  sample: {
    write: (connectionUrl, owner, value) =>
      withRedis(connectionUrl, async (client) => {
        await client.set(`${owner.keyPrefix}sample`, value);
      }),
    read: (connectionUrl, owner) => withRedis(connectionUrl, async (client) => (await client.get(`${owner.keyPrefix}sample`)) ?? undefined),
    content: {
      // The sample is one string key; the manifest counts keys per type under the prefix.
      entry: () => ({ scope: "type", name: "string" }),
      add: (connectionUrl, owner, key, value) =>
        withRedis(connectionUrl, async (client) => {
          await client.set(`${owner.keyPrefix}${key}`, value);
        }),
    },
    exists: (target, owner) =>
      withRedis(target.adminUrl, async (client) => {
        const users = (await client.acl("USERS")) as string[];
        const [, keys] = await client.scan("0", "MATCH", `${owner.keyPrefix}*`, "COUNT", 10_000);
        return users.includes(owner.user) || keys.length > 0;
      }),
  },
});
