/** The services a Berth process can run (`berth serve --services …`). */
export const SERVICE_NAMES = ["dependency", "binding", "deployment", "backup"] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** The services implemented so far (all of them). */
export const IMPLEMENTED_SERVICES: ReadonlySet<ServiceName> = new Set(SERVICE_NAMES);
