import type { SafeMetadata } from "@berth/provider-sdk";
import type { ConformanceSample } from "@berth/provider-sdk/conformance";

/** fetch refuses URLs with credentials: split them into a Basic header. */
export function request(connectionUrl: string, path: string, init: { method?: string; json?: unknown } = {}): Promise<Response> {
  const url = new URL(connectionUrl);
  const headers: Record<string, string> = {};
  if (url.username) headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString("base64")}`;
  if (init.json !== undefined) headers["content-type"] = "application/json";
  return fetch(`${url.protocol}//${url.host}${path}`, { method: init.method ?? "GET", headers, body: init.json === undefined ? undefined : JSON.stringify(init.json) });
}

/** The sample: document "sample" in index `<owner's prefix>sample`. */
const samplePath = (owner: SafeMetadata) => `/${encodeURIComponent(`${owner.index}sample`)}/_doc/sample`;

export const openSearchSample: ConformanceSample = {
  async write(connectionUrl, owner, value) {
    const response = await request(connectionUrl, `${samplePath(owner)}?refresh=true`, { method: "PUT", json: { value } });
    if (!response.ok) throw new Error(`writing the sample failed: ${response.status} ${await response.text()}`);
  },
  async read(connectionUrl, owner) {
    const response = await request(connectionUrl, samplePath(owner));
    if (response.status === 404) return undefined;
    if (!response.ok) throw new Error(`reading the sample failed: ${response.status} ${await response.text()}`);
    return ((await response.json()) as { _source: { value: string } })._source.value;
  },
  content: {
    // The sample lives in index `<prefix>sample`; manifests name indices without the prefix.
    entry: () => ({ scope: "index", name: "sample" }),
    async add(connectionUrl, owner, key, value) {
      const response = await request(connectionUrl, `/${encodeURIComponent(`${owner.index}sample`)}/_doc/${encodeURIComponent(key)}?refresh=true`, { method: "PUT", json: { value } });
      if (!response.ok) throw new Error(`adding a document failed: ${response.status} ${await response.text()}`);
    },
  },
};
