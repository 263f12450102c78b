import { readFileSync } from "node:fs";
import { Server, ServerCredentials, type ServiceDefinition, type UntypedServiceImplementation } from "@grpc/grpc-js";
import { loadFileDescriptorSetFromBuffer } from "@grpc/proto-loader";
import { ReflectionService } from "@grpc/reflection";
import { HealthImplementation } from "grpc-health-check";
import { descriptorSetPath } from "@berth/client";
import type { Logger } from "../logger.js";

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

/** Starts a gRPC server with health checking and reflection for every registered service. */
export async function startGrpcServer(options: { host: string; port: number; services: RegisteredService[]; log: Logger }): Promise<GrpcServerHandle> {
  const server = new Server({ "grpc.max_receive_message_length": 16 * 1024 * 1024 });
  const health = new HealthImplementation({ "": "SERVING" });
  for (const service of options.services) {
    server.addService(service.definition, service.implementation);
    health.setStatus(service.name, "SERVING");
  }
  health.addToServer(server);
  const reflection = new ReflectionService(loadFileDescriptorSetFromBuffer(readFileSync(descriptorSetPath())));
  reflection.addToServer(server);

  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${options.host}:${options.port}`, ServerCredentials.createInsecure(), (error, bound) =>
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
