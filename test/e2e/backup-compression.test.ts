import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { BackupStatus, RestoreStatus } from "@berth/client";
import { Keyring, parseMasterKey } from "@berth/runtime";
import { createOpenStream } from "@berth/backup-service";
import { adminQuery, databaseUrl } from "../support/env.js";
import { serveForTests, testDeployment } from "../support/berth-server.js";
import { readyDependency } from "../support/jobs.js";

// `backupCompression: none` (operator config): artifacts are sealed without gzip,
// for hosts where compression CPU is the bottleneck. Restore reads each backup the
// way it was written, so switching the setting never strands older backups.
const deployment = testDeployment();
const served = serveForTests(deployment, () => deployment.start({ backupCompression: "none" }));

async function settled<T extends { status: number }>(stream: AsyncIterable<{ backup?: T; restore?: T }>): Promise<T> {
  let last: T | undefined;
  for await (const update of stream) last = update.backup ?? update.restore;
  return last!;
}

describe("backupCompression: none", () => {
  it("seals the provider's dump uncompressed, and restores it in place", { timeout: 120_000 }, async () => {
    const { id, url } = await readyDependency(served.api, served.internal, "cmp-p", "prj_cmp", "db");
    await adminQuery("CREATE TABLE notes (id int PRIMARY KEY, body text); INSERT INTO notes SELECT g, 'note ' || g FROM generate_series(1, 500) g", [], url);

    const { backup } = await served.api.backup.createBackup({ requestId: "cmp-b", dependencyId: id, retentionDays: 1 });
    const done = await settled(served.api.backup.watchBackup({ id: backup!.id, untilSettled: true }, { timeoutMs: 60_000 }));
    expect(done.status).toBe(BackupStatus.BACKUP_STATUS_SUCCEEDED);

    // Decrypted, the artifact is the pg_dump archive itself (magic "PGDMP"), not gzip (1f 8b).
    const [row] = await adminQuery<{ key_id: string; wrapped_key: Buffer; sealed_data_key: Buffer; compression: string }>(
      "SELECT key_id, wrapped_key, sealed_data_key, compression FROM berth_backup.backups WHERE id = $1",
      [backup!.id],
      databaseUrl(deployment.databaseName),
    );
    expect(row.compression).toBe("none");
    const key = parseMasterKey(deployment.secrets.masterKey);
    const dataKey = Buffer.from(new Keyring([key], key.id).decrypt({ keyId: row.key_id, wrappedKey: row.wrapped_key, ciphertext: row.sealed_data_key }, `artifact:${backup!.id}`), "base64");
    const chunks: Buffer[] = [];
    for await (const chunk of Readable.from([readFileSync(join(deployment.artifactDir, `${backup!.id}.artifact`))]).pipe(createOpenStream(dataKey, `artifact:${backup!.id}`))) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).subarray(0, 5).toString("latin1")).toBe("PGDMP");

    await adminQuery("DELETE FROM notes WHERE id > 10", [], url);
    const { restore } = await served.api.backup.restoreBackup({ requestId: "cmp-r", backupId: backup!.id, acknowledgeDataOverwrite: true });
    const restored = await settled(served.api.backup.watchRestore({ id: restore!.id, untilSettled: true }, { timeoutMs: 60_000 }));
    expect(restored.status).toBe(RestoreStatus.RESTORE_STATUS_SUCCEEDED);
    expect((await adminQuery<{ n: number }>("SELECT count(*)::int AS n FROM notes", [], url))[0].n).toBe(500);
  });
});
