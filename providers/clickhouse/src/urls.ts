import { clickhouseUrlRule, connectionDescriber, ProviderError, secretPartsOfUrl, type ConnectionDescription, type SafeMetadata } from "@berth/provider-sdk";
import { endpointFromUrl, type HttpEndpoint } from "./http.js";

const DEFAULT_PORTS: Record<string, string> = { "http:": "8123", "https:": "8443" };
/** An IP or CIDR for a users.d `<networks>` entry; nothing that could break out of the XML. */
const NETWORK = /^[0-9a-fA-F:.]+(\/\d{1,3})?$/;

/**
 * A realization target's admin URL: `http://default:pw@host:8123/?usersDir=/etc/clickhouse-server/users.d`.
 * `usersDir` (optional) makes realize write one users.d XML file per dependency, which
 * is the only way to add users on ClickHouse before 20.4; `networks` (optional,
 * comma-separated IPs/CIDRs, default `::/0`) limits where those users may log in from.
 */
export interface AdminTarget {
  endpoint: HttpEndpoint;
  /** "http:" or "https:" */
  protocol: string;
  hostname: string;
  port: string;
  usersDir?: string;
  networks: string[];
}

export function parseAdminUrl(adminUrl: string): AdminTarget {
  const bad = (message: string) => new ProviderError("invalid_input", `clickhouse admin URL: ${message}`, { field: "admin_url" });
  let url: URL;
  try {
    url = new URL(adminUrl);
  } catch {
    throw bad("not a valid URL; expected http://default:password@host:8123/?usersDir=/etc/clickhouse-server/users.d");
  }
  if (!(url.protocol in DEFAULT_PORTS)) throw bad("scheme must be http or https (the HTTP interface, port 8123 by default)");
  const usersDir = url.searchParams.get("usersDir") || undefined;
  if (usersDir !== undefined && !usersDir.startsWith("/")) throw bad("usersDir must be an absolute path");
  const networks = (url.searchParams.get("networks") ?? "::/0").split(",").filter((n) => n.length > 0);
  if (networks.length === 0 || !networks.every((n) => NETWORK.test(n))) throw bad("networks must be comma-separated IP addresses or CIDR ranges");
  return {
    endpoint: endpointFromUrl(url, secretPartsOfUrl(adminUrl)),
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port || DEFAULT_PORTS[url.protocol],
    usersDir,
    networks,
  };
}

/** Validates a ClickHouse connection URL with the SDK's one ClickHouse rule; other kinds are refused. */
export const describeClickHouse: (kind: string, connectionUrl: string) => ConnectionDescription = connectionDescriber(clickhouseUrlRule);

export function checkKind(kind: string): void {
  if (kind !== "clickhouse") throw new ProviderError("unsupported", `the clickhouse provider does not handle kind "${kind}"`);
}

/** A delivered or imported connection, checked with the SDK's ClickHouse URL rule. */
export interface Connection {
  endpoint: HttpEndpoint;
  metadata: SafeMetadata;
  database: string;
}

export function parseConnection(kind: string, connectionUrl: string, metadata?: SafeMetadata): Connection {
  const described = describeClickHouse(kind, connectionUrl).metadata;
  const url = new URL(connectionUrl);
  if (!(url.protocol in DEFAULT_PORTS)) {
    throw new ProviderError("unsupported", "this provider speaks ClickHouse's HTTP interface: use an http(s):// connection URL (port 8123), not the native protocol", {
      field: "connection_url",
    });
  }
  const endpoint = endpointFromUrl(url, secretPartsOfUrl(connectionUrl));
  // The HTTP interface also takes credentials as ?user= and ?password=.
  endpoint.user = described.user ?? endpoint.user;
  const queryPassword = url.searchParams.get("password");
  if (!url.password && queryPassword) {
    endpoint.password = queryPassword;
    endpoint.secrets.push(queryPassword);
  }
  return { endpoint, metadata: described, database: metadata?.database || described.database };
}
