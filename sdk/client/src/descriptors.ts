import { fileURLToPath } from "node:url";

/** Path of the FileDescriptorSet of every Berth proto (for server reflection). */
export function descriptorSetPath(): string {
  // Source layout: src/descriptors.ts → src/gen; built layout: dist/index.js → dist/../src/gen.
  return fileURLToPath(new URL("../src/gen/descriptors.binpb", import.meta.url));
}
