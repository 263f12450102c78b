/** gRPC status codes, re-exported so packages that build errors need not depend on grpc-js themselves. */
export { status as GrpcStatus } from "@grpc/grpc-js";
