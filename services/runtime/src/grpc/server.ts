import { readFileSync } from "node:fs";
import { Server, ServerCredentials, type ServiceDefinition, type UntypedServiceImplementation } from "@grpc/grpc-js";
import type { PackageDefinition } from "@grpc/proto-loader";
import { BinaryReader } from "@bufbuild/protobuf/wire";
import { ReflectionService } from "@grpc/reflection";
import { HealthImplementation } from "grpc-health-check";
import { descriptorSetPath } from "@berth/client";
import type { Logger } from "../logger.js";
import { MALFORMED_REQUEST } from "./validate-request.js";

export interface RegisteredService {
  /** Fully qualified name, e.g. "berth.dependency.v1.DependencyService" (health status key). */
  name: string;
  definition: ServiceDefinition;
  implementation: UntypedServiceImplementation;
}

export interface GrpcServerHandle {
  /** The bound port (useful with port 0). */
  port: number;
  address: string;
  /** Stops accepting, waits for in-flight calls up to `graceMs`, then cancels the rest. */
  shutdown(graceMs?: number): Promise<void>;
}

/**
 * Explicit limits of every Berth gRPC server. Requests are small (the edge bounds
 * each field; the largest allowed request is well under 1 MiB); responses may carry
 * a page of 500 records. Streams per connection are capped so one client cannot
 * hold unbounded server memory.
 */
export const GRPC_SERVER_LIMITS = {
  "grpc.max_receive_message_length": 4 * 1024 * 1024,
  "grpc.max_send_message_length": 16 * 1024 * 1024,
  "grpc.max_concurrent_streams": 1000,
} as const;

export interface ServerTls {
  certPem: Buffer;
  keyPem: Buffer;
}

/** Starts a gRPC server with health checking and reflection for every registered service. */
export async function startGrpcServer(options: { host: string; port: number; services: RegisteredService[]; log: Logger; tls?: ServerTls }): Promise<GrpcServerHandle> {
  const server = new Server(GRPC_SERVER_LIMITS);
  const health = new HealthImplementation({ "": "SERVING" });
  for (const service of options.services) {
    server.addService(tolerantDecoding(service.definition), service.implementation);
    health.setStatus(service.name, "SERVING");
  }
  health.addToServer(server);
  const reflection = new ReflectionService(reflectionPackage());
  reflection.addToServer(server);

  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      `${options.host}:${options.port}`,
      options.tls ? ServerCredentials.createSsl(null, [{ cert_chain: options.tls.certPem, private_key: options.tls.keyPem }], false) : ServerCredentials.createInsecure(),
      (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  const address = `${options.host.includes(":") ? `[${options.host}]` : options.host}:${port}`;
  options.log.info({ address, services: options.services.map((s) => s.name) }, "grpc server listening");

  return {
    port,
    address,
    async shutdown(graceMs = 10_000) {
      health.setStatus("", "NOT_SERVING");
      for (const service of options.services) health.setStatus(service.name, "NOT_SERVING");
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}

/**
 * Request bytes that do not decode reach the edge as MALFORMED_REQUEST, which
 * answers INVALID_ARGUMENT; without this grpc-js answers INTERNAL.
 */
function tolerantDecoding(definition: ServiceDefinition): ServiceDefinition {
  const methods = Object.entries(definition).map(([name, method]) => [
    name,
    {
      ...method,
      requestDeserialize: (bytes: Buffer) => {
        try {
          return method.requestDeserialize(bytes);
        } catch {
          return MALFORMED_REQUEST;
        }
      },
    },
  ]);
  return Object.fromEntries(methods) as ServiceDefinition;
}

/**
 * Server reflection over the exact files `buf build` wrote (Berth's protos and
 * grpc.health.v1). Going through proto-loader instead re-synthesises files per
 * package and loses all but one file of a multi-file package, which breaks
 * grpcurl/buf curl for those services.
 */
function reflectionPackage(): PackageDefinition {
  const reader = new BinaryReader(readFileSync(descriptorSetPath()));
  const files: Uint8Array[] = [];
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1) files.push(reader.bytes()); // FileDescriptorSet.file
    else reader.skip(wireType);
  }
  return { berth: { format: "Protocol Buffer 3 FileDescriptorProto", fileDescriptorProtos: files } } as unknown as PackageDefinition;
}
