/**
 * The services a Berth server can run (`berth serve --services …`), one per gRPC API this
 * client calls. Here so the CLI's help can list them without loading @berth/host.
 */
export const SERVICE_NAMES = ["dependency", "binding", "deployment", "backup"] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** The services implemented so far (all of them). */
export const IMPLEMENTED_SERVICES: ReadonlySet<ServiceName> = new Set(SERVICE_NAMES);
