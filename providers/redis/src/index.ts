export { redisProvider } from "./provider.js";
export { REDIS_FORMAT } from "./dump-format.js";
