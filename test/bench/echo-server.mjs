// The raw baseline: a plain @grpc/grpc-js server answering the same RPC paths with
// prebuilt responses of the same messages. No auth, no database: pure transport and codec.
import { Server, ServerCredentials } from "@grpc/grpc-js";
import { DependencyServiceService } from "@berth/client";

const dependency = JSON.parse(process.env.BENCH_DEPENDENCY);
const page = JSON.parse(process.env.BENCH_PAGE);
const server = new Server();
const unimplemented = (_call, callback) => callback({ code: 12, details: "not in the echo baseline" });
const handlers = Object.fromEntries(Object.keys(DependencyServiceService).map((name) => [name, unimplemented]));
handlers.getDependency = (_call, callback) => callback(null, { dependency });
handlers.listDependencies = (_call, callback) => callback(null, { dependencies: page, nextPageToken: "" });
server.addService(DependencyServiceService, handlers);
server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, port) => {
  if (error) throw error;
  process.stdout.write(`${JSON.stringify({ address: `127.0.0.1:${port}` })}\n`);
});
